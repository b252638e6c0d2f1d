/**
 * bench:metrics' ingest load, in a process of its own: `node --import tsx metrics-load.ts PLAN.json`.
 * Open loop: batches go out at a fixed rate (the fleet's agents in turn, each with its own seq),
 * whatever the answers, over keep-alive connections; a batch's latency is counted from when it was
 * due, so a collector that stalls shows it in full (no coordinated omission). Bounded in time and in
 * requests in flight. Prints one JSON line: every request's due time (epoch ms), latency (ms), ok.
 */
import { readFileSync } from 'node:fs';
import { Pool } from 'undici';
import { type FleetAgent, FleetBatches, heartbeatBody } from './metrics-fleet.js';

export interface MetricsLoadPlan {
  url: string;
  agents: FleetAgent[];
  batchesPerSecond: number;
  /** Every agent's heartbeat, as often as a real agent sends it (the collector marks silent agents unreachable). */
  heartbeatSeconds: number;
  seconds: number;
  connections: number;
}

const TIMEOUT_MS = 30_000;
const MAX_IN_FLIGHT = 2000;

async function run(plan: MetricsLoadPlan): Promise<{ requests: Array<[number, number, 0 | 1]>; skipped: number }> {
  const origin = new URL(plan.url);
  if (!['127.0.0.1', 'localhost'].includes(origin.hostname)) throw new Error(`load goes to loopback only, not ${origin.hostname}`);
  const pool = new Pool(origin.origin, {
    connections: plan.connections,
    pipelining: 1,
    headersTimeout: TIMEOUT_MS,
    bodyTimeout: TIMEOUT_MS,
    keepAliveTimeout: 60_000,
  });
  const agents = plan.agents.map((a) => ({ auth: `Bearer ${a.token}`, batches: new FleetBatches(a), busy: false }));
  const requests: Array<[number, number, 0 | 1]> = [];
  const inFlight = new Set<Promise<void>>();
  let skipped = 0;
  let next = 0;
  const t0 = performance.now();
  const epoch0 = Date.now();
  const heartbeats = heartbeatLoop(pool, plan, t0);
  const total = Math.floor(plan.seconds * plan.batchesPerSecond);
  for (let n = 0; n < total; n++) {
    const due = t0 + (n * 1000) / plan.batchesPerSecond;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    const agent = agents[next++ % agents.length]!;
    if (agent.busy || inFlight.size >= MAX_IN_FLIGHT) {
      skipped++; // its previous batch is still unanswered: a real agent would wait too
      continue;
    }
    agent.busy = true;
    const body = agent.batches.next(Date.now());
    const p = (async () => {
      let ok: 0 | 1 = 0;
      try {
        const res = await pool.request({
          path: '/api/v1/ingest',
          method: 'POST',
          body,
          headers: { 'content-type': 'application/json', authorization: agent.auth },
        });
        const text = await res.body.text();
        ok = res.statusCode === 200 && (JSON.parse(text) as { stored?: boolean }).stored === true ? 1 : 0;
      } catch {
        ok = 0;
      } finally {
        agent.busy = false;
      }
      requests.push([Math.round(epoch0 + due - t0), Math.round((performance.now() - due) * 100) / 100, ok]);
    })();
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p));
  }
  await Promise.all(inFlight);
  await heartbeats;
  await pool.close();
  return { requests, skipped };
}

/** Heartbeats of every agent every heartbeatSeconds, spread evenly, until the load ends; not measured. */
async function heartbeatLoop(pool: Pool, plan: MetricsLoadPlan, t0: number): Promise<void> {
  const every = (plan.heartbeatSeconds * 1000) / plan.agents.length;
  const pending = new Set<Promise<void>>();
  for (let n = 0; t0 + n * every < t0 + plan.seconds * 1000; n++) {
    const wait = t0 + n * every - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    const a = plan.agents[n % plan.agents.length]!;
    const p = pool
      .request({
        path: '/api/v1/heartbeat',
        method: 'POST',
        body: heartbeatBody(a, Date.now()),
        headers: { 'content-type': 'application/json', authorization: `Bearer ${a.token}` },
      })
      .then((r) => r.body.dump())
      .catch(() => undefined);
    pending.add(p);
    void p.finally(() => pending.delete(p));
  }
  await Promise.all(pending);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const plan = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as MetricsLoadPlan;
  process.stdout.write(`${JSON.stringify(await run(plan))}\n`);
}
