import { hostname } from 'node:os';
import { Agent, request } from './http/undici.js';
import { VigilError } from '../../shared/errors.js';
import type { EnrollResponse } from '../../shared/protocol/v1/enroll.js';
import { VERSION } from '../../shared/version.js';
import { writeState, type AgentState } from './state.js';

/** Trades an enrollment token for this agent's own token; keeps it in stateDir/agent.json (0600). */
export async function enroll(o: { collector: string; token: string; stateDir: string; name?: string }): Promise<AgentState> {
  const url = o.collector.replace(/\/$/, '');
  let res;
  const agent = new Agent();
  try {
    res = await request(agent, `${url}/api/v1/enroll`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token: o.token, hostname: hostname(), agentVersion: VERSION, ...(o.name ? { name: o.name } : {}) }),
    });
  } catch (e) {
    void agent.close();
    throw new VigilError('UPSTREAM', `cannot reach the collector at ${url}: ${(e as Error).message}`);
  }
  const body = (await res.body.json().finally(() => agent.close())) as EnrollResponse & { error?: { code: string; message: string } };
  if (res.statusCode !== 201) throw new VigilError('UNAUTHENTICATED', `enrollment refused: ${body.error?.code ?? res.statusCode} ${body.error?.message ?? ''}`.trim());
  const state: AgentState = { agentId: body.agentId, agentToken: body.agentToken, clientId: body.clientId, siteId: body.siteId, collectorUrl: url, lastSeq: 0 };
  writeState(o.stateDir, state);
  return state;
}
