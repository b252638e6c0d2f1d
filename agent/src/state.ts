import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { VigilError } from '../../shared/errors.js';

export interface AgentState {
  agentId: string;
  agentToken: string;
  clientId: string;
  siteId: string;
  collectorUrl: string;
  /** Upper bound of the batch seqs reserved so far (reserved 64 at a time; exact after a clean stop): never reused after a restart, some skipped after a crash. */
  lastSeq: number;
  /**
   * The collector's limits from its last answer that advertised them (enrollment, heartbeats):
   * batches are built within them from the first one after a restart. Absent until known.
   */
  limits?: { maxBatchBytes: number; maxSamplesPerBatch: number; batchesPerSecond: number };
}

const file = (dir: string) => join(dir, 'agent.json');

export function readState(dir: string): AgentState {
  if (!existsSync(file(dir)))
    throw new VigilError('UNAUTHENTICATED', `no agent identity in ${dir}: run \`vigil agent enroll --collector URL --token T --state-dir ${dir}\` first`);
  try {
    return JSON.parse(readFileSync(file(dir), 'utf8')) as AgentState;
  } catch (e) {
    throw new VigilError('CONFIG_INVALID', `${file(dir)} is not valid JSON: ${(e as Error).message}`);
  }
}

/** Writes atomically with mode 0600 (the token is a secret) in a 0700 directory. */
export function writeState(dir: string, s: AgentState): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  const tmp = `${file(dir)}.tmp`;
  writeFileSync(tmp, JSON.stringify(s, null, 2), { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, file(dir));
}

/**
 * When agent.json in `dir` holds another token than `state` (the agent was enrolled again while
 * running), takes its identity into `state` and returns true; the seqs go on (the collector
 * keeps them per agent id).
 */
export function adoptNewIdentity(dir: string, state: AgentState): boolean {
  let fresh: AgentState;
  try {
    fresh = readState(dir);
  } catch {
    return false;
  }
  if (typeof fresh.agentToken !== 'string' || !fresh.agentToken || fresh.agentToken === state.agentToken) return false;
  const { agentId, agentToken, clientId, siteId } = fresh;
  Object.assign(state, { agentId, agentToken, clientId, siteId });
  return true;
}
