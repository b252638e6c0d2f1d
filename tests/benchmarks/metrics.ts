/**
 * bench:metrics — /metrics at 10,000 checks across 200 clients (1,000 sites, one agent each,
 * metrics-fleet.ts) while ingest runs. The real collector (own process, SQLite) gets the fleet
 * enrolled through its API and an open-loop ingest load from its own process (metrics-load.ts:
 * BENCH_RATE batches/s of 23 samples, every agent's heartbeat every 15 s). After a warm-up, rounds
 * alternate a quiet window (no scrape: the reference) and a window in which /metrics is scraped
 * every BENCH_SCRAPE_EVERY seconds with the metrics token, as Prometheus does. Prints the scrape
 * duration, body size and series (per family too), and the ingest latency p50/p99 in the quiet
 * windows, in the scraped ones and of the batches sent while a scrape ran.
 * The first scrape after the collector started waits for the first SLA figures; it is made (and
 * printed) before the measured windows, as Prometheus' first scrape would be.
 * Goal: every measured scrape ≤ 1 s, and ingest not stalled by them: in the scraped windows ingest
 * p99 ≤ 100 ms (the collector's ingest goal) and no batch waiting a second or more.
 * Progress on stderr, one JSON line on stdout.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir, waitFor } from '../helpers/net.js';
import { ProcSampler, readProc } from './agent-proc.js';
import { type BenchCollector, exited, familySeries, logger, percentile, round, startBenchCollector, tsxChild } from './bench-collector.js';
import type { MetricsLoadPlan } from './metrics-load.js';
import { benchEnv, runBench } from './bench-main.js';

const env = benchEnv;
const RATE = env('BENCH_RATE', 200, 10, 2000);
const WINDOW_S = env('BENCH_WINDOW_SECONDS', 20, 5, 300);
const ROUNDS = env('BENCH_ROUNDS', 2, 1, 10);
const SCRAPE_EVERY_S = env('BENCH_SCRAPE_EVERY', 5, 1, 60);
const WARMUP_S = env('BENCH_WARMUP_SECONDS', 15, 5, 120);
const GOAL = { scrapeMaxMs: 1000, ingestP99Ms: 100, ingestMaxMs: 1000 };
const log = logger('metrics');
const dir = tempDir();
const children: Array<{ stop(): Promise<void> }> = [];
const cleanup = async () => {
  await Promise.all(children.map((c) => c.stop()));
  dir.remove();
};
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => void cleanup().finally(() => process.exit(130)));

type Req = [number, number, 0 | 1];
const stats = (reqs: readonly Req[]) => {
  const ms = reqs.map((r) => r[1]).sort((a, b) => a - b);
  return {
    batches: ms.length,
    failed: reqs.filter((r) => r[2] === 0).length,
    p50Ms: round(percentile(ms, 0.5), 2),
    p99Ms: round(percentile(ms, 0.99), 2),
    maxMs: round(percentile(ms, 1), 2),
  };
};

async function run(): Promise<Record<string, unknown>> {
  const c: BenchCollector = await startBenchCollector(dir.path, log);
  children.push(c.child);
  const seconds = WARMUP_S + ROUNDS * 2 * WINDOW_S;
  const plan: MetricsLoadPlan = { url: c.base, agents: c.agents, batchesPerSecond: RATE, heartbeatSeconds: 15, seconds, connections: 32 };
  writeFileSync(join(dir.path, 'load.json'), JSON.stringify(plan));
  log(
    `load: ${RATE} batches/s (${RATE * 23} samples/s) for ${seconds} s; then ${ROUNDS} × (${WINDOW_S} s quiet, ${WINDOW_S} s scraped every ${SCRAPE_EVERY_S} s)`,
  );
  const load = tsxChild('metrics-load.ts', [join(dir.path, 'load.json')], dir.path);
  children.push(load);
  let out = '';
  load.proc.stdout!.on('data', (d) => (out += d));
  const t0 = Date.now();
  const at = (s: number) => new Promise((r) => setTimeout(r, Math.max(0, t0 + s * 1000 - Date.now())));
  const cpu = new ProcSampler(c.child.proc.pid!);
  await at(WARMUP_S - 3);
  // Prometheus' first scrape after the collector started: it waits for the first SLA computation (200 clients)
  const first = round((await c.scrape()).ms);
  log(`first scrape ${first} ms (waits for the first SLA figures); the measured ones follow`);
  await at(WARMUP_S);
  cpu.begin();
  const quiet: Array<[number, number]> = [];
  const scraped: Array<[number, number]> = [];
  const scrapes: Array<{ start: number; end: number; ms: number; bytes: number; series: number }> = [];
  let families: Record<string, number> = {};
  for (let r = 0; r < ROUNDS; r++) {
    const q0 = WARMUP_S + r * 2 * WINDOW_S;
    quiet.push([t0 + q0 * 1000, t0 + (q0 + WINDOW_S) * 1000]);
    scraped.push([t0 + (q0 + WINDOW_S) * 1000, t0 + (q0 + 2 * WINDOW_S) * 1000]);
    await at(q0 + WINDOW_S);
    for (let s = q0 + WINDOW_S; s < q0 + 2 * WINDOW_S; s += SCRAPE_EVERY_S) {
      await at(s);
      const start = Date.now();
      const { ms, body } = await c.scrape();
      families = familySeries(body);
      if (process.env.BENCH_KEEP_BODY) writeFileSync(process.env.BENCH_KEEP_BODY, body); // the last body, for a look at its figures
      const series = Object.values(families).reduce((a, b) => a + b, 0);
      scrapes.push({ start, end: Date.now(), ms: round(ms), bytes: Buffer.byteLength(body), series });
      log(`scrape ${scrapes.length}: ${round(ms)} ms, ${(Buffer.byteLength(body) / 1e6).toFixed(1)} MB, ${series} series`);
    }
  }
  const collectorCpu = cpu.end().cpuPercent;
  await waitFor(() => exited(load) || undefined, 'load generator', (seconds + 90) * 1000, 200);
  if (exited(c.child)) throw new Error(`the collector died: ${c.child.output().slice(-2000)}`);
  if (load.proc.exitCode !== 0) throw new Error(`load failed: ${load.output()}`);
  const { requests, skipped } = JSON.parse(out.trim().split('\n').pop()!) as { requests: Req[]; skipped: number };
  const inside = (w: ReadonlyArray<[number, number]>) => requests.filter((q) => w.some(([a, b]) => q[0] >= a && q[0] < b));
  const duringScrape = requests.filter((q) => scrapes.some((s) => q[0] + q[1] >= s.start && q[0] <= s.end));
  const without = stats(inside(quiet));
  const withScrapes = stats(inside(scraped));
  const during = stats(duringScrape);
  const ms = scrapes.map((s) => s.ms).sort((a, b) => a - b);
  const last = scrapes.at(-1)!;
  const scrapeOk = ms.at(-1)! <= GOAL.scrapeMaxMs;
  const notStalled = withScrapes.p99Ms <= GOAL.ingestP99Ms && withScrapes.maxMs <= GOAL.ingestMaxMs;
  log(`ingest p99 quiet ${without.p99Ms} ms, while scraping ${withScrapes.p99Ms} ms (batches sent during a scrape: ${during.p99Ms} ms)`);
  return {
    bench: 'metrics',
    checks: 10_000,
    clients: 200,
    sites: 1000,
    agents: c.agents.length,
    loadBatchesPerSecond: RATE,
    loadSamplesPerSecond: RATE * 23,
    scrapeEverySeconds: SCRAPE_EVERY_S,
    firstScrapeMs: first,
    scrapes: scrapes.length,
    scrapeP50Ms: round(percentile(ms, 0.5)),
    scrapeMaxMs: ms.at(-1),
    bodyBytes: last.bytes,
    series: last.series,
    families,
    ingestWithoutScrapes: without,
    ingestWithScrapes: withScrapes,
    ingestDuringScrape: during,
    skippedBatches: skipped,
    collectorCpuPercent: collectorCpu,
    collectorPeakRssMB: round(readProc(c.child.proc.pid!).hwmKb / 1024),
    goal: GOAL,
    met: scrapeOk && notStalled && without.failed === 0 && withScrapes.failed === 0,
  };
}

await runBench(run, cleanup, log);
