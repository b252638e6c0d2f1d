import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/*
 * `npm run lint:deps` run as-is (same arguments, the project's .dependency-cruiser.cjs and
 * tsconfig.json) on small trees in a temp dir: a clean one that must pass, and the same tree
 * with one planted violation per rule that must fail with each rule naming its file.
 */

const ROOT = process.cwd();
const DEPCRUISE = join(ROOT, 'node_modules/dependency-cruiser/bin/dependency-cruise.mjs');

/** A layered tree that breaks no rule: what each layer may import. */
const CLEAN: Record<string, string> = {
  'shared/errors.ts': "export const code = (k: string): string => 'VIGIL_ERR_' + k;\n",
  'shared/logger.ts': 'export const log = (m: string): string => m;\n',
  'shared/sla/math.ts':
    "import { DateTime } from 'luxon';\nimport { code } from '../errors.js';\nexport const days = (a: number) => DateTime.fromMillis(a).day + code.length;\n",
  'shared/sla/types.ts': 'export interface Interval { start: number; end: number }\n',
  'shared/sla-files/load.ts':
    "import { readFileSync } from 'node:fs';\nimport { days } from '../sla/math.js';\nexport const load = (p: string) => days(readFileSync(p).length);\n",
  'agent/src/probes/http.ts': "import { days } from '../../../shared/sla/math.js';\nexport const probe = (): number => days(0);\n",
  'agent/src/main.ts': "import { probe } from './probes/http.js';\nexport const main = (): number => probe();\n",
  'collector/src/store/sqlite/db.ts':
    "import Database from 'better-sqlite3';\nimport type { Pool } from 'pg';\nexport const open = (p: string, _pool?: Pool) => new Database(p);\n",
  'collector/src/routes/r.ts': "import { open } from '../store/sqlite/db.js';\nexport const route = () => open(':memory:');\n",
  'collector/src/notify/n.ts':
    "import { code } from '../../../shared/errors.js';\nimport type { Config } from './config.js';\nexport const send = (c: Config): string => code(c.name);\n",
  // a cycle closed by `import type` only: a warning, not an error
  'collector/src/notify/config.ts':
    "import { send } from './n.js';\nexport interface Config { name: string }\nexport const test = (): string => send({ name: 'x' });\n",
  'cli/vigil.ts':
    "import { main } from '../agent/src/main.js';\nimport { route } from '../collector/src/routes/r.js';\nexport const run = () => [main(), route()];\n",
  'dashboards/src/generate.ts': "import { days } from '../../shared/sla/math.js';\nexport const panels = (): number => days(0);\n",
};

/** Files that each break one rule (or two: a driver in shared/sla breaks both of its rules). */
const PLANTED: Record<string, string> = {
  'shared/x.ts': "export { main } from '../agent/src/main.js';\n",
  'shared/y.ts': "export { run } from '../cli/vigil.js';\n",
  'agent/src/a.ts': "export { route } from '../../collector/src/routes/r.js';\n",
  'collector/src/c.ts': "export { probe } from '../../agent/src/probes/http.js';\n",
  'collector/src/c2.ts': "export { run } from '../../cli/vigil.js';\n",
  'agent/src/probes/p.ts': "export { open } from '../../../collector/src/store/sqlite/db.js';\n",
  'collector/src/notify/n2.ts': "export { route } from '../routes/r.js';\n",
  'shared/sla/z.ts': "import { readFileSync } from 'node:fs';\nexport const z = (): number => readFileSync('x').length;\n",
  'shared/sla/net.ts': "import { connect } from 'node:net';\nexport const n = () => connect(1);\n",
  'shared/sla/w.ts': "export { load } from '../sla-files/load.js';\n",
  'shared/sla/l.ts': "export { log } from '../logger.js';\n",
  'shared/sla/pg.ts': "import pg from 'pg';\nexport const c = () => new pg.Client();\n",
  'collector/src/incidents/i.ts': "import type Database from 'better-sqlite3';\nexport const rows = (db: Database.Database) => db.prepare('select 1').all();\n",
  'collector/src/notify/outbox.ts': "import Database from 'better-sqlite3';\nexport const db = () => new Database(':memory:');\n",
  'collector/src/engine/a.ts': "import { b } from './b.js';\nexport const a = (): number => b() + 1;\n",
  'collector/src/engine/b.ts': "import { a } from './a.js';\nexport const b = (): number => a() - 1;\n",
  'collector/src/engine/u.ts': "export { gone } from './missing.js';\n",
};

/** Rule → the edge it must report for the planted files. */
const EXPECTED: [rule: string, from: string, to: RegExp][] = [
  ['shared-imports-neither-side', 'shared/x.ts', /^agent\/src\/main\.ts$/],
  ['shared-imports-neither-side', 'shared/y.ts', /^cli\/vigil\.ts$/],
  ['agent-not-to-collector', 'agent/src/a.ts', /^collector\/src\/routes\/r\.ts$/],
  ['agent-not-to-collector', 'agent/src/probes/p.ts', /^collector\/src\/store\/sqlite\/db\.ts$/],
  ['collector-not-to-agent', 'collector/src/c.ts', /^agent\/src\/probes\/http\.ts$/],
  ['collector-not-to-agent', 'collector/src/c2.ts', /^cli\/vigil\.ts$/],
  ['probes-not-to-store', 'agent/src/probes/p.ts', /^collector\/src\/store\/sqlite\/db\.ts$/],
  ['notify-not-to-routes', 'collector/src/notify/n2.ts', /^collector\/src\/routes\/r\.ts$/],
  ['sla-no-io', 'shared/sla/z.ts', /^fs$/],
  ['sla-no-io', 'shared/sla/net.ts', /^net$/],
  ['sla-pure-deps-only', 'shared/sla/w.ts', /^shared\/sla-files\/load\.ts$/],
  ['sla-pure-deps-only', 'shared/sla/l.ts', /^shared\/logger\.ts$/],
  ['sla-pure-deps-only', 'shared/sla/pg.ts', /(^|\/)node_modules\/pg\//],
  ['db-drivers-only-in-store', 'shared/sla/pg.ts', /(^|\/)node_modules\/pg\//],
  ['db-drivers-only-in-store', 'collector/src/incidents/i.ts', /(^|\/)node_modules\/better-sqlite3\//],
  ['db-drivers-only-in-store', 'collector/src/notify/outbox.ts', /(^|\/)node_modules\/better-sqlite3\//],
  ['no-circular', 'collector/src/engine/a.ts', /^collector\/src\/engine\/b\.ts$/],
  ['not-to-unresolvable', 'collector/src/engine/u.ts', /^\.\/missing\.js$/],
];

interface Violation {
  from: string;
  to: string;
  rule: { name: string; severity: string };
}
interface Run {
  status: number | null;
  stderr: string;
  violations: Violation[];
}

/** The npm script's own arguments, so the test follows it (paths cruised, config file). */
function lintDepsArgs(): string[] {
  const script = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts['lint:deps'] ?? '';
  const [bin, ...args] = script.split(/\s+/);
  expect(bin).toBe('depcruise');
  return args;
}

function tree(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-layering-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  copyFileSync(join(ROOT, '.dependency-cruiser.cjs'), join(dir, '.dependency-cruiser.cjs'));
  copyFileSync(join(ROOT, 'tsconfig.json'), join(dir, 'tsconfig.json'));
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
  return dir;
}

/** Runs the script twice: as it is (its exit status is what test:all sees) and with the JSON reporter (which exits 0) for the details. */
function cruise(dir: string): Run {
  const run = (extra: string[]) => spawnSync(process.execPath, [DEPCRUISE, ...lintDepsArgs(), ...extra], { cwd: dir, encoding: 'utf8', timeout: 60_000 });
  const plain = run([]);
  const json = run(['--output-type', 'json']);
  expect(json.status, json.stderr).toBe(0);
  return {
    status: plain.status,
    stderr: plain.stderr + json.stderr,
    violations: (JSON.parse(json.stdout) as { summary: { violations: Violation[] } }).summary.violations,
  };
}

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('npm run lint:deps on a clean layered tree', () => {
  let run: Run;
  beforeAll(() => {
    const dir = tree(CLEAN);
    dirs.push(dir);
    run = cruise(dir);
  });

  it('passes: exit 0 and no error, though cli/ imports both sides and the store imports better-sqlite3 and pg', () => {
    expect(run.stderr).toBe('');
    expect(run.violations.filter((v) => v.rule.severity === 'error')).toEqual([]);
    expect(run.status).toBe(0);
  });

  it('reports a cycle closed only by `import type` as a warning, not as no-circular', () => {
    expect(run.violations.map((v) => `${v.rule.severity} ${v.rule.name}`)).toEqual(expect.arrayContaining(['warn no-circular-type-only']));
    expect(run.violations.some((v) => v.rule.name === 'no-circular')).toBe(false);
  });
});

describe('npm run lint:deps on the same tree with planted violations', () => {
  let run: Run;
  beforeAll(() => {
    const dir = tree({ ...CLEAN, ...PLANTED });
    dirs.push(dir);
    run = cruise(dir);
  });

  it('fails with a non-zero exit', () => {
    expect(run.status).not.toBe(0);
  });

  it.each(EXPECTED)('%s fires on %s', (rule, from, to) => {
    const hits = run.violations.filter((v) => v.rule.name === rule && v.from === from);
    expect(
      hits.map((v) => v.to),
      `${rule} on ${from}; got ${JSON.stringify(run.violations.map((v) => [v.rule.name, v.from, v.to]))}`,
    ).toEqual(expect.arrayContaining([expect.stringMatching(to)]));
    expect(hits.every((v) => v.rule.severity === 'error')).toBe(true);
  });

  it('leaves the clean files alone: every error comes from a planted file', () => {
    const plantedFiles = new Set(Object.keys(PLANTED));
    const errors = run.violations.filter((v) => v.rule.severity === 'error');
    expect(errors.filter((v) => !plantedFiles.has(v.from) && !plantedFiles.has(v.to))).toEqual([]);
  });
});
