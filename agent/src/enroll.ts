import { hostname } from 'node:os';
import { Client, exchange, MAX_HEADER_SIZE } from './http/undici.js';
import { VigilError } from '../../shared/errors.js';
import type { EnrollResponse } from '../../shared/protocol/v1/enroll.js';
import { VERSION } from '../../shared/version.js';
import { readLimits } from './collector-limits.js';
import { writeState, type AgentState } from './state.js';

/** Trades an enrollment token for this agent's own token; keeps it in stateDir/agent.json (0600). */
export async function enroll(o: { collector: string; token: string; stateDir: string; name?: string }): Promise<AgentState> {
  const url = o.collector.replace(/\/$/, '');
  const base = new URL(`${url}/`);
  const client = new Client(base.origin, { maxHeaderSize: MAX_HEADER_SIZE });
  let res: Awaited<ReturnType<typeof exchange>>;
  try {
    res = await exchange(client, `${base.pathname}api/v1/enroll`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      timeoutMs: 30_000,
      body: JSON.stringify({ token: o.token, hostname: hostname(), agentVersion: VERSION, ...(o.name ? { name: o.name } : {}) }),
    });
  } catch (e) {
    throw new VigilError('UPSTREAM', `cannot reach the collector at ${url}: ${(e as Error).message}`);
  } finally {
    void client.close().catch(() => undefined);
  }
  let body: EnrollResponse & { error?: { code: string; message: string } };
  try {
    body = JSON.parse(res.body.toString('utf8')) as typeof body;
  } catch {
    throw new VigilError('UPSTREAM', `the collector at ${url} answered HTTP ${res.statusCode} without JSON: is that Vigil's collector?`);
  }
  if (res.statusCode !== 201)
    throw new VigilError('UNAUTHENTICATED', `enrollment refused: ${body.error?.code ?? res.statusCode} ${body.error?.message ?? ''}`.trim());
  const state: AgentState = { agentId: body.agentId, agentToken: body.agentToken, clientId: body.clientId, siteId: body.siteId, collectorUrl: url, lastSeq: 0 };
  // the first batches, before any heartbeat is answered, are then built within them
  const limits = readLimits(body.limits);
  if (limits) state.limits = limits;
  writeState(o.stateDir, state);
  return state;
}
