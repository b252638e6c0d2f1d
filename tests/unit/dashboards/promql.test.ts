import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { dashboards } from '../../../dashboards/src/generate.js';
import { targetsOf } from '../../../dashboards/src/lint.js';
import { tempDir } from '../../helpers/net.js';

const RULES = join(process.cwd(), 'dashboards/rules');
const recorded = new Set(
  ['vigil-recording.yml'].flatMap((f) =>
    (parse(readFileSync(join(RULES, f), 'utf8')) as { groups: Array<{ rules: Array<{ record?: string }> }> }).groups.flatMap((g) =>
      g.rules.flatMap((r) => (r.record ? [r.record] : [])),
    ),
  ),
);
/** Every query of every dashboard and the selector of every variable, with the variables at a value. */
const queries = dashboards().flatMap((d) => [
  ...targetsOf(d).map((t) => ({ where: `${d.uid} / ${t.panel}`, expr: t.expr })),
  ...(d.templating?.list ?? []).map((v) => ({
    where: `${d.uid} / $${v.name}`,
    expr: /^label_values\((.+), *[a-z_]+\)$/.exec(String(v.query))?.[1] ?? String(v.query),
  })),
]);
const fill = (expr: string) => expr.replace(/\$[a-z]+/g, '.*');

/** promtool parses PromQL in rule files: each query as a recording rule of one file. */
function promtoolCheck(exprs: readonly string[]): { code: number | null; out: string } {
  const dir = tempDir();
  try {
    const file = join(dir.path, 'queries.yml');
    writeFileSync(
      file,
      stringify({ groups: [{ name: 'dashboard-queries', rules: exprs.map((expr, i) => ({ record: `dashboard:query_${i}:value`, expr })) }] }),
    );
    const r = spawnSync('promtool', ['check', 'rules', file], { encoding: 'utf8' });
    return { code: r.status, out: `${r.stdout}${r.stderr}` };
  } finally {
    dir.remove();
  }
}

describe('the dashboards’ PromQL', () => {
  it('parses: promtool checks every panel query and variable selector', () => {
    expect(queries.length).toBeGreaterThanOrEqual(150);
    const r = promtoolCheck(queries.map((q) => fill(q.expr)));
    expect(r.out).toContain(`SUCCESS: ${queries.length} rules found`);
    expect(r.code).toBe(0);
  });

  it('and the check fails on a broken query', () => {
    const r = promtoolCheck(['sum(client:vigil_checks_down:count{client=~".*"}', 'up']);
    expect(r.code).not.toBe(0);
    expect(r.out).toMatch(/unclosed left parenthesis|parse error/);
  });

  it('reads only recorded series that vigil-recording.yml defines', () => {
    const names = new Set(queries.flatMap((q) => [...q.expr.matchAll(/\b[a-z_]+:[a-z0-9_]+:[a-z0-9_]+\b/g)].map((m) => m[0])));
    expect(names.size).toBeGreaterThanOrEqual(40);
    expect([...names].filter((n) => !recorded.has(n))).toEqual([]);
  });
});
