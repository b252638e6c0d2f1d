/**
 * bench:ingest's load generator, run in a process of its own (so its CPU is its own and can
 * be read from /proc): `node --import tsx tests/benchmarks/ingest-load.ts PLAN.json`.
 * Posts v1 check batches to one loopback URL over `connections` keep-alive connections (an
 * undici Pool, one request in flight per connection, closed loop), agents taken in turn,
 * each with its own seq. Bounded in time (warm-up + seconds, then every request's own
 * timeout) and in count (maxRequests). Prints one JSON line: LoadResult.
 */
import { readFileSync } from 'node:fs';
import { Pool } from 'undici';
import { BatchBuilder, type BenchAgent } from './ingest-bodies.js';

export interface LoadPlan {
  url: string;
  agents: BenchAgent[];
  connections: number;
  samplesPerBatch: number;
  warmupSeconds: number;
  seconds: number;
  maxRequests: number;
}

export interface LoadResult {
  requests: number;
  /** Batches answered 200 with stored: true, over the whole run (warm-up included): what the store must hold. */
  ackedBatches: number;
  ackedSamples: number;
  /** The measured window: batches started after the warm-up, until the last of them is answered. */
  windowSeconds: number;
  windowAckedSamples: number;
  samplesPerSec: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** This generator's own CPU over the run, in % of one core (it shares the cores with the server). */
  loadCpuPercent: number;
  /** Answers other than 200 + stored: true, by status (or by error code for no answer). */
  failures: Record<string, number>;
}

const TIMEOUT_MS = 30_000;

const percentile = (sorted: Float64Array, p: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)]! : NaN);
const round = (v: number, d = 2) => Math.round(v * 10 ** d) / 10 ** d;

export async function runLoad(plan: LoadPlan): Promise<LoadResult> {
  const origin = new URL(plan.url);
  if (!['127.0.0.1', 'localhost', '[::1]'].includes(origin.hostname)) throw new Error(`load goes to loopback only, not ${origin.hostname}`);
  if (plan.agents.length < plan.connections) throw new Error('need at least one agent per connection');
  const pool = new Pool(origin.origin, {
    connections: plan.connections,
    pipelining: 1,
    headersTimeout: TIMEOUT_MS,
    bodyTimeout: TIMEOUT_MS,
    keepAliveTimeout: 60_000,
  });
  const agents = plan.agents.map((a) => ({ ...a, auth: `Bearer ${a.token}`, builder: new BatchBuilder(a.agentId, plan.samplesPerBatch), busy: false }));
  const latencies: number[] = [];
  const failures: Record<string, number> = {};
  const fail = (key: string) => (failures[key] = (failures[key] ?? 0) + 1);
  let requests = 0;
  let ackedBatches = 0;
  let windowAcked = 0;
  let next = 0;
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const windowStart = t0 + plan.warmupSeconds * 1000;
  const deadline = windowStart + plan.seconds * 1000;

  const worker = async () => {
    while (performance.now() < deadline && requests < plan.maxRequests) {
      let agent = agents[next++ % agents.length]!;
      while (agent.busy) agent = agents[next++ % agents.length]!; // never two batches of one agent in flight
      agent.busy = true;
      requests++;
      const { body } = agent.builder.next(Date.now());
      const started = performance.now();
      try {
        const res = await pool.request({
          path: '/api/v1/ingest',
          method: 'POST',
          body,
          headers: { 'content-type': 'application/json', authorization: agent.auth },
        });
        const text = await res.body.text();
        const ack = res.statusCode === 200 ? (JSON.parse(text) as { stored?: boolean; accepted?: number }) : undefined;
        if (ack?.stored === true && ack.accepted === plan.samplesPerBatch) {
          ackedBatches++;
          if (started >= windowStart) windowAcked++;
        } else fail(ack ? '200-not-stored' : String(res.statusCode));
        if (started >= windowStart) latencies.push(performance.now() - started);
      } catch (e) {
        fail((e as { code?: string }).code ?? (e as Error).name);
      } finally {
        agent.busy = false;
      }
    }
  };
  await Promise.all(Array.from({ length: plan.connections }, worker));
  // the window ends when its last request has its answer: every batch started in it is counted
  const windowSeconds = (performance.now() - windowStart) / 1000;
  await pool.close();
  const cpu = process.cpuUsage(cpu0);
  const loadCpuPercent = round(((cpu.user + cpu.system) / 1000 / (performance.now() - t0)) * 100, 1);
  const sorted = Float64Array.from(latencies).sort();
  return {
    requests,
    ackedBatches,
    ackedSamples: ackedBatches * plan.samplesPerBatch,
    windowSeconds: round(windowSeconds),
    windowAckedSamples: windowAcked * plan.samplesPerBatch,
    samplesPerSec: Math.round((windowAcked * plan.samplesPerBatch) / windowSeconds),
    p50Ms: round(percentile(sorted, 0.5)),
    p99Ms: round(percentile(sorted, 0.99)),
    maxMs: round(percentile(sorted, 1)),
    loadCpuPercent,
    failures,
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const plan = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as LoadPlan;
  const result = await runLoad(plan);
  process.stdout.write(`${JSON.stringify(result)}\n`);
}
