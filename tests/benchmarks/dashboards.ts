/**
 * bench:dashboards — every dashboard's queries against a real Prometheus holding a 10,000-endpoint
 * load (200 clients, 1,000 sites; metrics-fleet.ts). The real collector (own process) gets the fleet
 * enrolled and an ingest load (metrics-load.ts); Prometheus scrapes its /metrics every 15 s and
 * evaluates dashboards/rules for BENCH_LIVE_SECONDS; then the hours the dashboards' range queries
 * read are backfilled (dashboards-backfill.ts) and Prometheus is started again on that data. Each
 * dashboard is then opened the way Grafana opens it (dashboards-plan.ts): its variables' label
 * values, its instant and range queries over its default range — one at a time (each query's time)
 * and all at once, six in flight as a browser sends them (the dashboard's time). The first opening
 * after Prometheus' restart is reported apart (cold: chunks not yet read since it started); then
 * BENCH_ROUNDS openings, each query's time being the median of them.
 * Prints the slowest query of each dashboard. Goal: every query of every dashboard under 1 s.
 * Progress on stderr, one JSON line on stdout.
 */
import { join } from 'node:path';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { parse } from 'yaml';
import { dashboards } from '../../dashboards/src/generate.js';
import { tempDir, waitFor } from '../helpers/net.js';
import { type BenchCollector, exited, logger, METRICS_TOKEN, round, startBenchCollector, tsxChild } from './bench-collector.js';
import { type BenchPrometheus, startBenchPrometheus, writePrometheusConfig } from './bench-prometheus.js';
import { createBlocks, writeHistory } from './dashboards-backfill.js';
import { type PlannedQuery, planDashboard, rangeNames } from './dashboards-plan.js';
import type { MetricsLoadPlan } from './metrics-load.js';
import { benchEnv, runBench } from './bench-main.js';

const env = benchEnv;
const LIVE_S = env('BENCH_LIVE_SECONDS', 180, 60, 3600);
const ROUNDS = env('BENCH_ROUNDS', 5, 1, 20);
const CLIENT = 'client-000';
const GOAL = { slowestQueryMs: 1000 };
const RULES = join(process.cwd(), 'dashboards/rules');
/** Prometheus' scrape and global evaluation interval here (bench-prometheus.ts). */
const SCRAPE_S = 15;

/** Recorded series → seconds between its samples: its group's interval, else the global one. */
function ruleResolution(files: readonly string[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const f of files)
    for (const g of (parse(readFileSync(f, 'utf8')) as { groups: Array<{ interval?: string; rules: Array<{ record?: string }> }> }).groups) {
      const m = /^(\d+)([sm])$/.exec(g.interval ?? '');
      const s = m ? Number(m[1]) * (m[2] === 'm' ? 60 : 1) : SCRAPE_S;
      for (const r of g.rules) if (r.record) out.set(r.record, s);
    }
  return out;
}
const log = logger('dashboards');
const dir = tempDir();
const children: Array<{ stop(): Promise<void> }> = [];
const cleanup = async () => {
  await Promise.all(children.map((c) => c.stop()));
  dir.remove();
};
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => void cleanup().finally(() => process.exit(130)));

async function timed(prom: BenchPrometheus, q: PlannedQuery): Promise<{ ms: number; results: number; error?: string }> {
  const t = performance.now();
  const res = await fetch(prom.url + q.path, { signal: AbortSignal.timeout(60_000) });
  const body = (await res.json()) as { status: string; error?: string; data: unknown[] | { result: unknown[] } };
  const ms = performance.now() - t;
  if (body.status !== 'success') return { ms, results: 0, error: body.error };
  return { ms, results: Array.isArray(body.data) ? body.data.length : body.data.result.length };
}

/** All of a dashboard's queries at once, `width` in flight: what opening it takes. */
async function load(prom: BenchPrometheus, qs: readonly PlannedQuery[], width = 6): Promise<number> {
  const t = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < qs.length) await timed(prom, qs[next++]!);
    }),
  );
  return performance.now() - t;
}

async function run(): Promise<Record<string, unknown>> {
  const c: BenchCollector = await startBenchCollector(dir.path, log);
  children.push(c.child);
  const plan: MetricsLoadPlan = { url: c.base, agents: c.agents, batchesPerSecond: 100, heartbeatSeconds: 15, seconds: LIVE_S + 3600, connections: 16 };
  writeFileSync(join(dir.path, 'load.json'), JSON.stringify(plan));
  const loadGen = tsxChild('metrics-load.ts', [join(dir.path, 'load.json')], dir.path);
  children.push(loadGen);
  const ruleFiles = readdirSync(RULES)
    .filter((f) => f.endsWith('.yml'))
    .map((f) => join(RULES, f));
  const resolution = ruleResolution(ruleFiles);
  const config = writePrometheusConfig(dir.path, c.base.replace('http://', ''), METRICS_TOKEN, ruleFiles);
  let prom = await startBenchPrometheus(dir.path, config);
  children.push({ stop: () => prom.stop() });
  const liveStart = Date.now();
  log(`Prometheus scrapes the collector every 15 s and evaluates ${ruleFiles.length} rule files; live for ${LIVE_S} s`);
  const series = async () => {
    const body = (await (await fetch(`${prom.url}/api/v1/query?query=scrape_samples_scraped`)).json()) as {
      data: { result: Array<{ value: [number, string] }> };
    };
    return Number(body.data.result[0]?.value[1] ?? 0);
  };
  for (let s = 30; s <= LIVE_S; s += 30) {
    await new Promise((r) => setTimeout(r, Math.max(0, liveStart + s * 1000 - Date.now())));
    if (exited(c.child)) throw new Error(`the collector died: ${c.child.output().slice(-2000)}`);
    log(`live ${s} s: ${await series()} series a scrape`);
  }
  const scraped = await series();
  const history = join(dir.path, 'history.om');
  const names = new Map([...rangeNames(dashboards())].map(([n, v]) => [n, { ...v, step: resolution.get(n) ?? SCRAPE_S }]));
  const figures = await writeHistory(prom.url, names, CLIENT, liveStart, history);
  log(
    `history: ${figures.series} series of ${figures.names} names, ${figures.samples} samples (${round(figures.bytes / 1e6)} MB); Prometheus stopped for the backfill`,
  );
  await prom.stop();
  const promtoolSeconds = round(createBlocks(history, prom.dataDir));
  prom = await startBenchPrometheus(dir.path, config);
  const restarted = Date.now();
  const evaluatedSince = async () => {
    const body = (await (await fetch(`${prom.url}/api/v1/rules`)).json()) as { data: { groups: Array<{ lastEvaluation: string }> } };
    return Math.min(...body.data.groups.map((g) => Date.parse(g.lastEvaluation))) > restarted + 1000;
  };
  await waitFor(async () => (await evaluatedSince()) || undefined, 'every rule group evaluated after the restart', 120_000, 1000);
  log(`blocks made in ${promtoolSeconds} s; Prometheus running again on them`);

  const all = dashboards();
  const out: Record<string, Record<string, unknown>> = {};
  for (const d of all) {
    const qs = planDashboard(d, CLIENT, Date.now());
    const times = new Map<PlannedQuery, number[]>(qs.map((q) => [q, []]));
    const errors = new Set<string>();
    const empty = new Set<string>();
    const loads: number[] = [];
    let cold = 0;
    for (let r = 0; r <= ROUNDS; r++) {
      for (const q of qs) {
        const t = await timed(prom, q);
        if (r === 0) cold = Math.max(cold, t.ms);
        else times.get(q)!.push(t.ms);
        if (t.error) errors.add(`${q.panel}: ${t.error}`);
        else if (t.results === 0) empty.add(q.panel);
      }
      const l = await load(prom, qs);
      if (r > 0) loads.push(l);
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const [slow, ms] = [...times].map(([q, xs]) => [q, median(xs)] as const).sort((a, b) => b[1] - a[1])[0]!;
    out[d.uid!] = {
      queries: qs.length,
      slowestMs: round(ms),
      slowestMaxMs: round(Math.max(...times.get(slow)!)),
      slowestPanel: slow.panel,
      slowestKind: slow.kind,
      slowestExpr: slow.expr.slice(0, 200),
      coldSlowestMs: round(cold),
      loadMs: round(median(loads)),
      empty: [...empty],
      errors: [...errors],
    };
    log(
      `${d.uid}: ${qs.length} queries, slowest ${round(ms)} ms (${slow.kind} "${slow.panel}"; cold ${round(cold)} ms), all at once ${round(median(loads))} ms${empty.size ? `; empty: ${[...empty].join('; ')}` : ''}`,
    );
  }
  const slowest = Math.max(...Object.values(out).map((o) => o.slowestMs as number));
  return {
    bench: 'dashboards',
    endpoints: 10_000,
    clients: 200,
    sites: 1000,
    seriesPerScrape: scraped,
    liveSeconds: LIVE_S,
    backfill: { ...figures, promtoolSeconds },
    rounds: ROUNDS,
    client: CLIENT,
    dashboards: out,
    slowestMs: slowest,
    goal: GOAL,
    met: slowest < GOAL.slowestQueryMs && Object.values(out).every((o) => (o.errors as string[]).length === 0),
  };
}

await runBench(run, cleanup, log);
