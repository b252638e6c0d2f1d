/**
 * Enrolls bench:ingest's agents for real, through the collector's HTTP API: one enrollment
 * token (admin) with maxUses = n, then n POST /api/v1/enroll, then one heartbeat each with
 * the check catalogue. A few requests at a time; every request has a timeout.
 */
import { heartbeatOf, type BenchAgent } from './ingest-bodies.js';

const TIMEOUT_MS = 30_000;

async function post<T>(url: string, body: unknown, token: string | undefined, want: number): Promise<T> {
  const res = await fetch(url, {
    method: 'POST',
    signal: AbortSignal.timeout(TIMEOUT_MS),
    body: JSON.stringify(body),
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
  });
  const text = await res.text();
  if (res.status !== want) throw new Error(`POST ${new URL(url).pathname}: ${res.status} ${text.slice(0, 500)}`);
  return JSON.parse(text) as T;
}

/** Runs `fn(i)` for i in [0, n) with at most `width` in flight. */
async function each(n: number, width: number, fn: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(width, n) }, async () => {
      while (next < n) await fn(next++);
    }),
  );
}

export async function enrollAgents(base: string, adminToken: string, n: number): Promise<BenchAgent[]> {
  const { token } = await post<{ token: string }>(
    `${base}/api/v1/admin/enrollment-tokens`,
    { clientId: 'bench', siteId: 'lab', maxUses: n, note: 'bench:ingest' },
    adminToken,
    201,
  );
  const agents: BenchAgent[] = new Array(n);
  await each(n, 8, async (i) => {
    const name = `agent-${String(i).padStart(4, '0')}`;
    const r = await post<{ agentId: string; agentToken: string }>(
      `${base}/api/v1/enroll`,
      { token, hostname: `${name}.bench`, agentVersion: 'bench-ingest', name },
      undefined,
      201,
    );
    agents[i] = { agentId: r.agentId, token: r.agentToken };
  });
  return agents;
}

export async function sendHeartbeats(base: string, agents: BenchAgent[]): Promise<void> {
  await each(agents.length, 8, async (i) => {
    const a = agents[i]!;
    await post(`${base}/api/v1/heartbeat`, heartbeatOf(a.agentId, Date.now()), a.token, 200);
  });
}

/** Agents for the floor, which has no enrollment: ids of the same shape, a token it ignores. */
export const floorAgents = (n: number): BenchAgent[] =>
  Array.from({ length: n }, (_, i) => ({ agentId: `bench.agent-${String(i).padStart(4, '0')}`, token: 'floor-ignores-tokens-0000000000000000' }));
