/**
 * bench:sizing's traffic: each agent as a live agent talks — one small batch per burst of its
 * checks (10 s slots), a heartbeat every 15 s — with the site's time running SPEED times faster
 * than the wall clock (sample times ahead of it; the collector's futureTolerance is raised to
 * match), or a replay of the past in large batches, as an agent's spool sends a backlog.
 */
import type { BenchAgent } from './ingest-bodies.js';
import { heartbeatOf, type SimCheck, SLOT_MS, samplesIn } from './sizing-stream.js';

const HEARTBEAT_MS = 15_000;
const TIMEOUT_MS = 30_000;

export interface Counts {
  samples: number;
  batches: number;
  heartbeats: number;
  wireBytes: number;
  failures: number;
}
export const zeroCounts = (): Counts => ({ samples: 0, batches: 0, heartbeats: 0, wireBytes: 0, failures: 0 });

async function post(url: string, body: string, token: string): Promise<boolean> {
  const res = await fetch(url, {
    method: 'POST',
    body,
    signal: AbortSignal.timeout(TIMEOUT_MS),
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
  }).catch(() => undefined);
  if (!res) return false;
  await res.arrayBuffer();
  return res.ok;
}

/** Sends one agent's batch of `samples`; counts it. */
async function sendBatch(base: string, a: BenchAgent, seq: number, samples: unknown[], now: number, c: Counts): Promise<void> {
  const body = JSON.stringify({ agentId: a.agentId, seq, sentAt: now, samples });
  if (await post(`${base}/api/v1/ingest`, body, a.token)) {
    c.batches++;
    c.samples += samples.length;
    c.wireBytes += Buffer.byteLength(body);
  } else c.failures++;
}

/** Sends every agent's results for [from, to) in batches of `spanMs` of results each, agents side by side. */
export async function replay(base: string, agents: BenchAgent[], checks: SimCheck[][], from: number, to: number, spanMs: number, c: Counts): Promise<void> {
  await Promise.all(
    agents.map(async (a, i) => {
      let seq = 0;
      for (let t = from; t < to; t += spanMs) {
        const s = samplesIn(checks[i]!, t, Math.min(t + spanMs, to));
        if (s.length > 0) await sendBatch(base, a, ++seq, s, Date.now(), c);
      }
    }),
  );
}

/**
 * Live-shaped traffic for `wallMs`: site time starts at `simStart` and runs `speed` times the
 * wall clock. `c` can be read while it runs (the measurement window is inside it). Without
 * `heartbeats` (the floor has no such route) only batches are sent.
 */
export async function live(
  base: string,
  agents: BenchAgent[],
  checks: SimCheck[][],
  plan: { simStart: number; speed: number; wallMs: number; heartbeats: boolean },
  c: Counts,
): Promise<void> {
  const { simStart, speed, wallMs } = plan;
  const wallStart = performance.now();
  const simNow = () => simStart + (performance.now() - wallStart) * speed;
  const simEnd = simStart + wallMs * speed;
  await Promise.all(
    agents.map(async (a, i) => {
      let seq = 0;
      let slot = Math.floor(simStart / SLOT_MS) * SLOT_MS;
      // heartbeats spread over the 15 s, as agents started at different times are
      let beat = plan.heartbeats ? simStart + ((i * 7919) % HEARTBEAT_MS) : Infinity;
      // events in site-time order, so a generator that falls behind still sends the live mix of batches and heartbeats
      for (;;) {
        const next = Math.min(slot + SLOT_MS, beat);
        if (next >= simEnd || performance.now() - wallStart >= wallMs) return;
        const now = simNow();
        if (next > now) {
          await new Promise((r) => setTimeout(r, Math.max(1, (next - now) / speed)));
        } else if (beat < slot + SLOT_MS) {
          beat += HEARTBEAT_MS;
          if (await post(`${base}/api/v1/heartbeat`, JSON.stringify(heartbeatOf(a.agentId, checks[i]!, Math.round(next))), a.token)) c.heartbeats++;
          else c.failures++;
        } else {
          const s = samplesIn(checks[i]!, slot, slot + SLOT_MS);
          slot += SLOT_MS;
          if (s.length > 0) await sendBatch(base, a, ++seq, s, Math.round(next), c);
        }
      }
    }),
  );
}

/** One heartbeat per agent with its check catalogue (60 s checks), before any batch. */
export async function heartbeats(base: string, agents: BenchAgent[], checks: SimCheck[][]): Promise<void> {
  for (const [i, a] of agents.entries()) {
    const r = await fetch(`${base}/api/v1/heartbeat`, {
      method: 'POST',
      headers: { authorization: `Bearer ${a.token}`, 'content-type': 'application/json' },
      body: JSON.stringify(heartbeatOf(a.agentId, checks[i]!, Date.now())),
    });
    if (r.status !== 200) throw new Error(`heartbeat: ${r.status} ${await r.text()}`);
  }
}
