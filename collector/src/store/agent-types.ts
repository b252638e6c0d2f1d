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
export type NewAgent = Omit<AgentRow, 'spool'> & { tokenHash: string };

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
}
