/**
 * bench:sizing — what one monitored endpoint costs a collector, measured (README, "Operations:
 * backup, restore, sizing"). Both parts run the real collector in a process of its own on SQLite.
 *  - disk: BENCH_SIZING_AGENTS (5) agents × 10 checks at 60 s (sizing-stream.ts: mixed types,
 *    real metric keys, outages, incidents through SLA definitions), BENCH_SIZING_DAYS (7) days of
 *    results dated in the past and replayed in 10-minute batches; the file's growth per table
 *    (dbstat) scaled to a 30-day month per endpoint. The batches table keeps one row per batch,
 *    so it is charged at the live cadence (a batch per 10 s slot with results) from its measured
 *    bytes per row. Reference: the same results' JSON bytes on the wire. The file is then backed
 *    up as `vigil collector backup` does (copy and integrity check), timed.
 *  - CPU: BENCH_SIZING_CPU_AGENTS (200) agents × 10 checks talking as live agents do (a batch
 *    per burst, a heartbeat every 15 s), site time BENCH_SIZING_SPEED (20) times the wall clock;
 *    the collector's CPU time from /proc, idle (sweeps over the same checks) measured first, then
 *    under load → endpoints per core. Reference: the floor (ingest-floor.ts, a bare fastify that
 *    only parses the bodies) under the same batches.
 * Progress on stderr, one JSON line on stdout.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { freePort, startChild, tempDir, waitFor, type Child } from '../helpers/net.js';
import { readProc, round } from './agent-proc.js';
import { enrollAgents, floorAgents } from './ingest-agents.js';
import type { BenchAgent } from './ingest-bodies.js';
import { backupSqlite } from '../../collector/src/store/sqlite/backup.js';
import { growth, readDb } from './sizing-db.js';
import { heartbeats, live, replay, zeroCounts, type Counts } from './sizing-load.js';
import { agentChecks, CHECKS_PER_AGENT, definitionYaml, type SimCheck, slotsPerMinute } from './sizing-stream.js';
import { benchEnv, runBench } from './bench-main.js';

const env = benchEnv;
const DAYS = env('BENCH_SIZING_DAYS', 7, 1, 31);
const AGENTS = env('BENCH_SIZING_AGENTS', 5, 1, 100);
const CPU_AGENTS = env('BENCH_SIZING_CPU_AGENTS', 200, 1, 2000);
const SPEED = env('BENCH_SIZING_SPEED', 20, 1, 600);
const SECONDS = env('BENCH_SECONDS', 20, 1, 600);
const WARMUP_S = 3;
const IDLE_S = 5;
const MINUTE = 60_000;
const DAY = 86_400_000;
const MONTH_DAYS = 30;
const RETENTION_DAYS = 35; // retention.samplesDays default: raw results older than this are pruned
const ADMIN = 'bench-sizing-admin-token-0123456789';
const HERE = fileURLToPath(new URL('.', import.meta.url));
const TSX = import.meta.resolve('tsx');
const MiB = 1024 * 1024;

const began = Date.now();
const log = (msg: string) => process.stderr.write(`[bench:sizing ${((Date.now() - began) / 1000).toFixed(1).padStart(5)} s] ${msg}\n`);
const dir = tempDir();
const children: Child[] = [];
const cleanup = async () => {
  await Promise.all(children.map((c) => c.stop()));
  dir.remove();
};
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => void cleanup().finally(() => process.exit(130)));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function start(script: string, args: string[], base: string): Promise<Child> {
  const c = startChild(process.execPath, ['--import', TSX, join(HERE, script), ...args], dir.path);
  children.push(c);
  await waitFor(
    async () => {
      if (c.proc.exitCode !== null) throw new Error(`${script} exited: ${c.output().slice(-2000)}`);
      return (
        (await fetch(`${base}/healthz`).then(
          (r) => r.ok,
          () => false,
        )) || undefined
      );
    },
    script,
    60_000,
  );
  return c;
}

async function stop(c: Child): Promise<void> {
  await c.stop();
  if (c.proc.exitCode !== 0) throw new Error(`the server did not close cleanly (${c.proc.exitCode ?? c.proc.signalCode}): ${c.output().slice(-2000)}`);
}

/** A collector config in the temp dir with one SLA service per agent. */
function collectorConfig(name: string, port: number, checks: SimCheck[][], extra: Record<string, unknown>): { file: string; db: string } {
  const slaDir = join(dir.path, `${name}-sla`);
  mkdirSync(slaDir, { recursive: true });
  writeFileSync(join(slaDir, 'bench.yaml'), definitionYaml('bench', checks));
  const file = join(dir.path, `${name}.yaml`);
  const dataDir = join(dir.path, `${name}-data`);
  writeFileSync(file, stringify({ listen: { host: '127.0.0.1', port }, dataDir, adminToken: ADMIN, slaDir, log: { level: 'warn' }, ...extra }));
  return { file, db: join(dataDir, 'vigil.db') };
}

async function disk(): Promise<Record<string, unknown>> {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const checks = Array.from({ length: AGENTS }, (_, n) => agentChecks(n));
  // nothing is swept stale while results from days ago arrive
  const cfg = collectorConfig('disk', port, checks, { limits: { maxSampleAge: `${DAYS + 2}d`, batchesPerSecond: 10_000 }, state: { sweepInterval: '1d' } });
  let c = await start('ingest-collector.ts', [cfg.file], base);
  const agents = await enrollAgents(base, ADMIN, AGENTS);
  await heartbeats(base, agents, checks);
  await stop(c);
  const before = readDb(cfg.db);
  c = await start('ingest-collector.ts', [cfg.file], base);
  const end = Math.floor(Date.now() / MINUTE) * MINUTE - 5 * MINUTE;
  const counts = zeroCounts();
  const t = performance.now();
  log(`disk: ${AGENTS * CHECKS_PER_AGENT} endpoints, ${DAYS} days of results at 60 s`);
  await replay(base, agents, checks, end - DAYS * DAY, end, 10 * MINUTE, counts);
  const seconds = (performance.now() - t) / 1000;
  await stop(c);
  const g = growth(before, readDb(cfg.db));
  // what `vigil collector backup` takes for this file (copy and integrity check)
  const b = await backupSqlite(cfg.db, join(dir.path, 'disk-backup.db'));
  if (counts.failures > 0 || g.rows.results !== counts.samples)
    throw new Error(`disk: ${counts.failures} failed batches, ${g.rows.results} of ${counts.samples} results stored`);
  const endpoints = AGENTS * CHECKS_PER_AGENT;
  const perEndpointMonth = (bytes: number) => Math.round((bytes * MONTH_DAYS) / DAYS / endpoints);
  const bytesPerBatchRow = g.groups.batches! / g.rows.batches!;
  const liveBatchesPerAgentMonth = Math.round((checks.reduce((n, cs) => n + slotsPerMinute(cs), 0) / AGENTS) * MONTH_DAYS * 1440);
  const month = {
    results: perEndpointMonth(g.groups.results!),
    transitions: perEndpointMonth(g.groups.transitions!),
    incidents: perEndpointMonth(g.groups.incidents!),
    rollups: perEndpointMonth(g.groups.rollups!),
    batches: Math.round((bytesPerBatchRow * liveBatchesPerAgentMonth) / CHECKS_PER_AGENT),
    other: perEndpointMonth(g.groups.other!),
  };
  const total = Object.values(month).reduce((a, b) => a + b, 0);
  const kept = total - month.results;
  log(`disk: ${counts.samples} results in ${seconds.toFixed(1)} s; ${round(total / 1024, 1)} KiB per endpoint-month`);
  return {
    endpoints,
    days: DAYS,
    results: counts.samples,
    replayBatches: counts.batches,
    replaySamplesPerSec: Math.round(counts.samples / seconds),
    rows: g.rows,
    transitionsPerEndpointMonth: round((g.rows.transitions! * MONTH_DAYS) / DAYS / endpoints, 1),
    incidentsPerServiceMonth: round((g.rows.incidents! * MONTH_DAYS) / DAYS / AGENTS, 1),
    diskBytesPerResult: round(g.groups.results! / g.rows.results!, 1),
    wireBytesPerResult: round(counts.wireBytes / counts.samples, 1),
    bytesPerBatchRow: round(bytesPerBatchRow, 1),
    liveBatchesPerAgentMonth,
    bytesPerEndpointMonth: { ...month, total },
    mibPer1000EndpointMonths: round((total * 1000) / MiB, 1),
    backup: { mib: round(b.bytes / MiB, 1), seconds: round(b.durationMs / 1000, 2) },
    // raw results are kept retention.samplesDays; the rest is kept for reports, month after month
    steadyState: {
      resultsKeptDays: RETENTION_DAYS,
      resultsMiBPer1000Endpoints: round((month.results * RETENTION_DAYS * 1000) / MONTH_DAYS / MiB, 1),
      keptMiBPer1000EndpointsPerMonth: round((kept * 1000) / MiB, 1),
    },
  };
}

/** CPU of `pid` over the window between `begin()` and `end()`, with what the load sent meanwhile. */
function window(pid: number, counts: Counts) {
  const c0 = readProc(pid);
  const n0 = { ...counts };
  return () => {
    const c1 = readProc(pid);
    return {
      cpuSeconds: c1.cpuSeconds - c0.cpuSeconds,
      wallSeconds: (c1.at - c0.at) / 1000,
      samples: counts.samples - n0.samples,
      batches: counts.batches - n0.batches,
      heartbeats: counts.heartbeats - n0.heartbeats,
    };
  };
}

async function loadAndMeasure(base: string, pid: number, agents: BenchAgent[], checks: SimCheck[][], heartbeats: boolean) {
  const counts = zeroCounts();
  const load = live(base, agents, checks, { simStart: Date.now(), speed: SPEED, wallMs: (WARMUP_S + SECONDS + 1) * 1000, heartbeats }, counts);
  await sleep(WARMUP_S * 1000);
  const end = window(pid, counts);
  await sleep(SECONDS * 1000);
  const w = end();
  await load;
  if (counts.failures > 0) throw new Error(`${counts.failures} requests failed`);
  return w;
}

async function cpu(): Promise<Record<string, unknown>> {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const checks = Array.from({ length: CPU_AGENTS }, (_, n) => agentChecks(n));
  const endpoints = CPU_AGENTS * CHECKS_PER_AGENT;
  const aheadHours = Math.ceil(((WARMUP_S + SECONDS + 5) * SPEED) / 3600) + 1;
  const cfg = collectorConfig('cpu', port, checks, { limits: { futureTolerance: `${aheadHours}h`, batchesPerSecond: 1000 } });
  const c = await start('ingest-collector.ts', [cfg.file], base);
  const agents = await enrollAgents(base, ADMIN, CPU_AGENTS);
  await heartbeats(base, agents, checks);
  const idle = window(c.proc.pid!, zeroCounts());
  await sleep(IDLE_S * 1000);
  const i = idle();
  const idleFraction = i.cpuSeconds / i.wallSeconds;
  log(`cpu: ${endpoints} endpoints registered, idle ${round(idleFraction * 100, 1)} % of a core; load at ${SPEED}× for ${SECONDS} s`);
  const w = await loadAndMeasure(base, c.proc.pid!, agents, checks, true);
  await stop(c);
  // endpoints at 60 s that send what the window received, in real time
  const liveEndpoints = (w.samples * 60) / w.wallSeconds;
  const perEndpoint = (w.cpuSeconds / w.wallSeconds - idleFraction) / liveEndpoints + idleFraction / endpoints;
  log(`cpu: ${round(w.samples / w.wallSeconds, 0)} results/s, ${round((w.cpuSeconds / w.wallSeconds) * 100, 1)} % of a core`);

  const fport = await freePort();
  const fbase = `http://127.0.0.1:${fport}`;
  const f = await start('ingest-floor.ts', [String(fport), String(1024 * 1024)], fbase);
  const fw = await loadAndMeasure(fbase, f.proc.pid!, floorAgents(CPU_AGENTS), checks, false);
  await stop(f);
  const cpuMsPerResult = (w.cpuSeconds * 1000) / w.samples;
  const floorCpuMsPerResult = (fw.cpuSeconds * 1000) / fw.samples;
  return {
    endpoints,
    speed: SPEED,
    seconds: round(w.wallSeconds, 1),
    resultsPerSec: round(w.samples / w.wallSeconds, 0),
    batchesPerSec: round(w.batches / w.wallSeconds, 0),
    heartbeatsPerSec: round(w.heartbeats / w.wallSeconds, 0),
    samplesPerBatch: round(w.samples / w.batches, 2),
    serverCpuPercent: round((w.cpuSeconds / w.wallSeconds) * 100, 1),
    idleCpuPercent: round(idleFraction * 100, 2),
    cpuMsPerResult: round(cpuMsPerResult, 3),
    cpuMsPerEndpointMinute: round(perEndpoint * 60_000, 3),
    endpointsPerCore: Math.floor(1 / perEndpoint),
    floor: { resultsPerSec: round(fw.samples / fw.wallSeconds, 0), cpuMsPerResult: round(floorCpuMsPerResult, 3) },
    ratioToFloor: round(cpuMsPerResult / floorCpuMsPerResult, 2),
  };
}

await runBench(
  async () => {
    const d = await disk();
    const c = await cpu();
    return { bench: 'sizing', disk: d, cpu: c };
  },
  cleanup,
  log,
);
