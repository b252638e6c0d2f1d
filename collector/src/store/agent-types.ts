import type { Problem } from '../../../shared/errors.js';
import type { HeartbeatSpool } from '../../../shared/protocol/v1/heartbeat.js';

/** The agents aggregate of the Store contract: enrollment tokens, agents, their spool figures. */
export interface EnrollmentTokenRow {
  id: string;
  tokenHash: string;
  clientId: string;
  siteId: string;
  createdAt: number;
  expiresAt: number;
  maxUses: number | null;
  uses: number;
  revokedAt: number | null;
  note: string | null;
}
export interface AgentRow {
  id: string;
  clientId: string;
  siteId: string;
  hostname: string;
  createdAt: number;
  revokedAt: number | null;
  lastSeen: number | null;
  heartbeatIntervalMs: number | null;
  reachable: boolean;
  /** The agent's disk spool as its last heartbeat that carried one told (agents from before the spool send none: null). */
  spool: AgentSpool | null;
  /** Version, OS, start and configuration as the agent last reported them (null: it never did; collector/src/fleet). */
  runtime: AgentRuntime | null;
}
/**
 * What an agent runs, from its heartbeats (the fleet view). Written when it changes, not on every
 * heartbeat: `startedAt` is the collector's receive time less the agent's uptime, steady while it runs.
 */
export interface AgentRuntime {
  agentVersion: string;
  /** null: an agent version that does not report it. */
  os: string | null;
  /** When the agent process started (ms, the collector's clock). */
  startedAt: number;
  /** The configuration it runs; null: an agent version from before central configuration. */
  config: AgentConfigReport | null;
  /** When this was reported (ms). */
  at: number;
}
export interface AgentConfigReport {
  source: 'central' | 'local';
  /** The version running (null: none yet). */
  version: string | null;
  state: 'applied' | 'rejected' | 'none';
  /** The version refused last and every problem the agent found in it, with its path (state rejected). */
  rejectedVersion: string | null;
  problems: Problem[];
}
/** An agent's spool figures (HeartbeatSpool's depth and loss counters) and when they were reported (ms). */
export interface AgentSpool {
  batches: number;
  bytes: number;
  oldestAgeSeconds: number;
  droppedBatches: number;
  droppedSamples: number;
  corruptRecords: number | null;
  at: number;
}
/** An agent as enrollment creates it: nothing reported yet. */
export type NewAgent = Omit<AgentRow, 'spool' | 'runtime'> & { tokenHash: string };

export interface AgentStore {
  insertEnrollmentToken(row: EnrollmentTokenRow): Promise<void>;
  findEnrollmentTokenByHash(hash: string): Promise<EnrollmentTokenRow | undefined>;
  listEnrollmentTokens(): Promise<EnrollmentTokenRow[]>;
  revokeEnrollmentToken(id: string, at: number): Promise<boolean>;
  /**
   * Uses the token once and creates the agent, atomically: false (nothing written) when the
   * token is revoked, expired at `agent.createdAt` or used up — also under concurrent enrollments.
   */
  enroll(tokenId: string, agent: NewAgent): Promise<boolean>;
  findByTokenHash(hash: string): Promise<AgentRow | undefined>;
  get(id: string): Promise<AgentRow | undefined>;
  list(clients?: readonly string[]): Promise<AgentRow[]>;
  revoke(id: string, at: number): Promise<boolean>;
  /** Last seen moves forward only. */
  touch(id: string, at: number, heartbeatIntervalMs?: number): Promise<void>;
  setReachable(id: string, reachable: boolean): Promise<void>;
  /**
   * The spool figures of a heartbeat at `at`; null (a heartbeat without them) clears figures reported before.
   * Forward only: figures older than the stored ones change nothing.
   */
  recordSpool(id: string, stats: HeartbeatSpool | null, at: number): Promise<void>;
  /** What the agent runs (version, OS, start, configuration) as reported at `runtime.at`. Forward only, as recordSpool. */
  recordRuntime(id: string, runtime: AgentRuntime): Promise<void>;
}
