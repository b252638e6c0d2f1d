import type { CheckDescriptor } from '../../../shared/protocol/v1/heartbeat.js';
import type { CheckResultSample, MetricSample } from '../../../shared/protocol/v1/batch.js';
import type { Exclusion, MemberState, Transition } from '../../../shared/sla/types.js';

export interface EnrollmentTokenRow {
  id: string; tokenHash: string; clientId: string; siteId: string; createdAt: number; expiresAt: number;
  maxUses: number | null; uses: number; revokedAt: number | null; note: string | null;
}
export interface AgentRow {
  id: string; clientId: string; siteId: string; hostname: string; createdAt: number; revokedAt: number | null;
  lastSeen: number | null; heartbeatIntervalMs: number | null; reachable: boolean;
}
export interface CheckRow {
  clientId: string; checkId: string; agentId: string; siteId: string; type: string; target: string | null;
  labels: Record<string, string>; intervalMs: number | null; timeoutMs: number | null;
  lastTs: number | null; lastStatus: string | null; lastDurationMs: number | null; lastMetrics: Record<string, number>;
  state: MemberState; stateSince: number | null; runStatus: MemberState | null; runCount: number; runStart: number | null;
}
export interface HostMetricRow { agentId: string; name: string; labels: Record<string, string>; ts: number; value: number }

/** Persistence for the collector. One contract, run by tests/unit/collector/store-contract against each implementation. */
export interface Store {
  insertEnrollmentToken(row: EnrollmentTokenRow): void;
  findEnrollmentTokenByHash(hash: string): EnrollmentTokenRow | undefined;
  listEnrollmentTokens(): EnrollmentTokenRow[];
  revokeEnrollmentToken(id: string, at: number): boolean;
  /** Uses the token once and creates the agent, atomically. */
  enrollAgent(tokenId: string, agent: AgentRow & { tokenHash: string }): void;
  findAgentByTokenHash(hash: string): AgentRow | undefined;
  getAgent(id: string): AgentRow | undefined;
  listAgents(): AgentRow[];
  revokeAgent(id: string, at: number): boolean;
  touchAgent(id: string, at: number, heartbeatIntervalMs?: number): void;
  setAgentReachable(id: string, reachable: boolean): void;
  upsertChecks(agent: AgentRow, checks: CheckDescriptor[]): void;
  /** Stores a batch once: returns false (and stores nothing) for a replayed (agentId, seq). `apply` runs inside the same transaction. */
  ingestBatch(agent: AgentRow, seq: number, at: number, results: CheckResultSample[], metrics: MetricSample[], apply: () => void): boolean;
  getCheck(clientId: string, checkId: string): CheckRow | undefined;
  listChecks(clientId?: string): CheckRow[];
  saveCheckState(c: CheckRow): void;
  insertTransition(clientId: string, checkId: string, ts: number, state: MemberState, detectedAt: number, reason?: string): void;
  /** Transitions of these checks up to `to`, including the last one before `from` so the state at `from` is known. */
  transitionsFor(clientId: string, checkIds: readonly string[], from: number, to: number): Transition[];
  hostMetrics(): HostMetricRow[];
  /** Durations (ms) of a check's last `n` results at or before `ts`. */
  recentDurations(client: string, check: string, ts: number, n: number): number[];
  addExclusion(client: string, e: Exclusion): number;
  /** Exclusions of a client overlapping [from, to). */
  exclusions(client: string, from: number, to: number): Exclusion[];
  pruneResults(before: number): number;
  close(): void;
}
