import { spawnSync } from 'node:child_process';
import { cpSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPrometheus, type Prometheus } from '../../helpers/prometheus.js';
import { liveCollector, METRICS_TOKEN } from '../../helpers/live-collector.js';
import { tempDir, waitFor } from '../../helpers/net.js';
import { everySecond } from './rule-files.js';

const RULES = join(process.cwd(), 'dashboards/rules');
const ruleFiles = readdirSync(RULES)
  .filter((f) => f.endsWith('.yml'))
  .map((f) => join(RULES, f));
const testFiles = readdirSync(join(RULES, 'tests'))
  .filter((f) => f.endsWith('.yml'))
  .map((f) => join(RULES, 'tests', f));
const promtool = (...args: string[]) => {
  const r = spawnSync('promtool', args, { encoding: 'utf8' });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
};
interface RuleDoc {
  groups: Array<{ name: string; rules: Array<{ record?: string; alert?: string }> }>;
}
const rulesOf = (file: string) => (parse(readFileSync(file, 'utf8')) as RuleDoc).groups.flatMap((g) => g.rules);

describe('Prometheus rules in dashboards/rules (promtool)', () => {
  it('ships a recording file, an alerting file and unit tests for them', () => {
    expect(ruleFiles.map((f) => f.slice(RULES.length + 1))).toEqual(expect.arrayContaining(['vigil-alerts.yml', 'vigil-recording.yml']));
    expect(testFiles.length).toBeGreaterThanOrEqual(3);
  });

  it.each(ruleFiles)('promtool check rules %s', (file) => {
    const r = promtool('check', 'rules', file);
    expect(r.code, r.out).toBe(0);
    expect(r.out).toMatch(/SUCCESS: \d+ rules found/);
  });

  it.each(testFiles)('promtool test rules %s', (file) => {
    const r = promtool('test', 'rules', file);
    expect(r.code, r.out).toBe(0);
    expect(r.out).toContain('SUCCESS');
  });

  it('fails on a broken rule file and on a rule that no longer matches its tests', () => {
    const dir = tempDir();
    try {
      const broken = join(dir.path, 'broken.yml');
      writeFileSync(broken, 'groups:\n  - name: b\n    rules:\n      - alert: Broken\n        expr: max by (client) (vigil_agent_up == 0\n');
      const r = promtool('check', 'rules', broken);
      expect(r.code).not.toBe(0);
      expect(r.out).toMatch(/unclosed left parenthesis|parse error/);
      // Same tests, fast-burn threshold changed 14.4 → 144: the unit tests must catch it.
      cpSync(RULES, join(dir.path, 'rules'), { recursive: true });
      const alerts = join(dir.path, 'rules', 'vigil-alerts.yml');
      const text = readFileSync(alerts, 'utf8');
      expect(text).toContain('client_service:vigil_sla_burn_rate:1h > 14.4');
      writeFileSync(alerts, text.replace('client_service:vigil_sla_burn_rate:1h > 14.4', 'client_service:vigil_sla_burn_rate:1h > 144'));
      const t = promtool('test', 'rules', join(dir.path, 'rules', 'tests', 'sla-alerts.yml'));
      expect(t.code).not.toBe(0);
      expect(t.out).toContain('VigilErrorBudgetFastBurn');
    } finally {
      dir.remove();
    }
  });
});

describe('the rules against a real Prometheus scraping a real collector', () => {
  let prom: Prometheus;
  let collector: Awaited<ReturnType<typeof liveCollector>> | undefined;
  let heartbeat: NodeJS.Timeout | undefined;
  const rulesDir = tempDir();

  beforeAll(async () => {
    collector = await liveCollector(
      'client: acme\ntimezone: UTC\nservices:\n  - { id: web, target: 99.9, members: [web-1] }\n  - { id: net, target: 99.9, members: [tcp-1] }\n',
    );
    // 15 minutes of results every 30 s: web-1 up for 10 min then down for the last 5; tcp-1 always up.
    const now = Date.now();
    const samples = [];
    for (let ts = now - 15 * 60_000; ts <= now; ts += 30_000) {
      samples.push({
        kind: 'check',
        checkId: 'web-1',
        type: 'http',
        ts,
        status: ts < now - 5 * 60_000 ? 'up' : 'down',
        durationMs: 12,
        metrics: {},
        labels: { client: 'acme', site: 'hq', service: 'web' },
      });
      samples.push({
        kind: 'check',
        checkId: 'tcp-1',
        type: 'tcp',
        ts,
        status: 'up',
        durationMs: 3,
        metrics: {},
        labels: { client: 'acme', site: 'hq', service: 'net' },
      });
    }
    await collector.ingest(samples);
    await collector.heartbeat();
    heartbeat = setInterval(() => void collector?.heartbeat().catch(() => undefined), 5000);
    prom = await startPrometheus([collector.target], { ruleFiles: everySecond(rulesDir.path), bearer: METRICS_TOKEN });
  }, 90_000);

  afterAll(async () => {
    if (heartbeat) clearInterval(heartbeat);
    await prom?.stop();
    await collector?.close();
    rulesDir.remove();
  });

  it('evaluates every rule without error, the recorded series the alerts read have data, and exactly the expected alerts are active', async () => {
    const all = ruleFiles.flatMap(rulesOf);
    // every recording rule's data is checked with the dashboards' fuller feed (dashboard-queries.test.ts)
    const alertText = readFileSync(join(RULES, 'vigil-alerts.yml'), 'utf8');
    const recorded = all.flatMap((r) => (r.record && alertText.includes(r.record) ? [r.record] : []));
    expect(recorded.length).toBeGreaterThanOrEqual(7);
    const empty = async () => {
      const out: string[] = [];
      for (const name of recorded) if ((await prom.query(name)).length === 0) out.push(name);
      return out;
    };
    await waitFor(async () => (await empty()).length === 0 || undefined, 'the recorded series the alerts read to have data', 30_000).catch(async (e) => {
      throw new Error(`${e.message}: still empty ${(await empty()).join(', ')}`);
    });

    // The collector's own figures decide whether this month's budget is already gone (it
    // depends on how much of the month is left); everything else is fixed by the data above.
    const remaining = Number((await prom.query('vigil_sla_error_budget_remaining_ratio{client="acme",service="web"}'))[0]!.value[1]);
    const expected = [
      'VigilCheckDown acme web-1',
      'VigilErrorBudgetFastBurn acme web',
      'VigilErrorBudgetSlowBurn acme web',
      'VigilSlaProjectedBreach acme web',
    ];
    if (remaining <= 0) expected.push('VigilErrorBudgetExhausted acme web');
    const active = async () => {
      const body = (await (await fetch(`${prom.url}/api/v1/alerts`)).json()) as { data: { alerts: Array<{ labels: Record<string, string>; state: string }> } };
      return body.data.alerts.map((a) => `${a.labels.alertname} ${a.labels.client} ${a.labels.check ?? a.labels.service}`).sort();
    };
    await waitFor(
      async () => {
        const l = await active();
        return expected.every((x) => l.includes(x)) || undefined;
      },
      'expected alerts',
      20_000,
    ).catch(() => undefined);
    // three more evaluations of every group: nothing else may join
    const evaluations = async () => {
      const body = (await (await fetch(`${prom.url}/api/v1/rules`)).json()) as { data: { groups: Array<{ lastEvaluation: string }> } };
      return Math.min(...body.data.groups.map((g) => Date.parse(g.lastEvaluation)));
    };
    const from = await evaluations();
    await waitFor(async () => (await evaluations()) >= from + 3000 || undefined, 'three more rule evaluations', 20_000);
    expect(await active()).toEqual(expected.sort());

    const res = (await (await fetch(`${prom.url}/api/v1/rules`)).json()) as {
      data: { groups: Array<{ name: string; rules: Array<{ name: string; type: string; health: string; lastError?: string; lastEvaluation: string }> }> };
    };
    const loaded = res.data.groups.flatMap((g) => g.rules);
    expect(loaded.map((r) => r.name).sort()).toEqual(all.map((r) => r.record ?? r.alert).sort());
    const unhealthy = loaded.filter((r) => r.health !== 'ok' || r.lastError);
    expect(unhealthy.map((r) => `${r.name}: ${r.health} ${r.lastError ?? ''}`)).toEqual([]);
    expect(loaded.every((r) => !r.lastEvaluation.startsWith('0001-'))).toBe(true);
  }, 90_000);
});
