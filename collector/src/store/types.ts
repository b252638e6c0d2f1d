import type { CheckResultSample, MetricSample } from '../../../shared/protocol/v1/batch.js';
import type { CheckDescriptor, HeartbeatSpool } from '../../../shared/protocol/v1/heartbeat.js';
import type { Exclusion, MemberState, Transition } from '../../../shared/sla/types.js';

/**
 * The collector's one persistence seam. Every method returns a Promise so a networked
 * database can implement it; `transaction(fn)` runs `fn` against a Store bound to one
 * transaction (all or nothing). SQL lives only in `store/<engine>/`. The same contract
 * suite (tests/integration/store/contract.test.ts) runs against every engine.
 */
export interface Store {
  readonly engine: 'sqlite' | 'postgres';
  /** Where the data lives, for log lines (a file path, or a URL with its password masked). */
  readonly location: string;
  readonly agents: AgentStore;
  readonly checks: CheckStore;
  readonly incidents: IncidentStore;
  readonly outbox: OutboxStore;
  readonly exclusions: ExclusionStore;
  readonly settings: SettingsStore;
  /** Runs `fn` in one transaction: committed when it resolves, rolled back when it throws. Nested calls join the outer one. */
  transaction<T>(fn: (tx: Store) => Promise<T>): Promise<T>;
  /** Applies the engine's versioned migrations not applied yet; returns the schema version and what it applied. Idempotent. */
  migrate(): Promise<{ version: number; applied: number[] }>;
  close(): Promise<void>;
}

// ── agents and tokens ────────────────────────────────────────────────────────────────
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

// ── checks, results, transitions ─────────────────────────────────────────────────────
export interface CheckRow {
  clientId: string;
  checkId: string;
  /** The agent that owns this check id in its client (NO_AGENT once released: the next agent to report it takes it). */
  agentId: string;
  siteId: string;
  type: string;
  target: string | null;
  labels: Record<string, string>;
  intervalMs: number | null;
  timeoutMs: number | null;
  lastTs: number | null;
  lastStatus: string | null;
  lastDurationMs: number | null;
  lastMetrics: Record<string, number>;
  state: MemberState;
  stateSince: number | null;
  runStatus: MemberState | null;
  runCount: number;
  runStart: number | null;
  /** The last durations, oldest first, kept only for checks of a service with a latency (p95) threshold. */
  recentDurationsMs: number[];
}
export interface HostMetricRow {
  agentId: string;
  name: string;
  labels: Record<string, string>;
  ts: number;
  value: number;
}
export interface TransitionRow {
  clientId: string;
  checkId: string;
  ts: number;
  state: MemberState;
  detectedAt: number;
  reason: string | null;
}

/** One accepted batch with everything the state engine derived from it, written in one transaction. */
export interface BatchWrite {
  agent: Pick<AgentRow, 'id' | 'clientId' | 'siteId'>;
  seq: number;
  receivedAt: number;
  results: readonly CheckResultSample[];
  metrics: readonly MetricSample[];
  /** The full state of every check the batch touched, after it. */
  checks: readonly CheckRow[];
  transitions: readonly TransitionRow[];
  /**
   * Late results replace what the engine inferred meanwhile: before `transitions` are inserted, the inferred
   * transitions (reason in INFERRED_REASONS) of each of these checks at or after `from` are deleted, in the
   * batch's transaction (a replayed batch deletes nothing). Measured transitions are never deleted.
   */
  retractInferred?: ReadonlyArray<{ checkId: string; from: number }>;
}

/** `CheckRow.agentId` of a check no agent owns: its agent was revoked or an admin released the id (engine/check-owners.ts). */
export const NO_AGENT = '';

/** Reasons of the transitions the engine inferred from missing data (no result, no heartbeat), not measured. */
export const INFERRED_REASONS = ['agent-unreachable', 'stale'] as const;
/** The settings key holding the collector's last sign of life (ms), see CheckStore.markAlive. */
export const LAST_ALIVE_SETTING = 'collector.lastAlive';

export interface CheckStore {
  /** Stores a batch once: false (and nothing written) for a replayed (agentId, seq), also when two connections replay it at once. */
  ingestBatch(batch: BatchWrite): Promise<boolean>;
  /** Catalogue from a heartbeat: descriptors replace type, target, labels, interval and timeout; the state is kept. */
  describe(agent: Pick<AgentRow, 'id' | 'clientId' | 'siteId'>, checks: readonly CheckDescriptor[]): Promise<void>;
  get(clientId: string, checkId: string): Promise<CheckRow | undefined>;
  list(clients?: readonly string[]): Promise<CheckRow[]>;
  /** The checks an agent reported last (indexed: a client with many agents does not read all its checks per agent). */
  ofAgent(agentId: string): Promise<CheckRow[]>;
  /** Saves these checks' state and inserts these transitions, in one transaction. */
  saveStates(checks: readonly CheckRow[], transitions: readonly TransitionRow[]): Promise<void>;
  /** Transitions of these checks in [from, to), plus the last one before `from` so the state at `from` is known; by ts, then insertion order. */
  transitionsFor(clientId: string, checkIds: readonly string[], from: number, to: number): Promise<Transition[]>;
  hostMetrics(agentIds?: readonly string[]): Promise<HostMetricRow[]>;
  countResults(clientId?: string): Promise<number>;
  /**
   * Records that the state engine was alive at `at` (settings key LAST_ALIVE_SETTING, forward only), so the next
   * start knows when this collector stopped. Here rather than on SettingsStore only to keep the seam's files apart.
   */
  markAlive(at: number): Promise<void>;
  /** Drops raw results older than `before`, by arrival order (results are an append-only log; a late result may outlive it by its delay). */
  pruneResults(before: number): Promise<number>;
}

// ── incidents, their audit trail, the notification outbox ───────────────────────────
export type IncidentKind = 'service-down' | 'site-unreachable' | 'burn-rate' | 'projected-breach';

export interface IncidentRow {
  id: number;
  client: string;
  /** Service id; for a site-unreachable incident `site:<site>`; for warnings the service. */
  service: string;
  kind: IncidentKind;
  status: 'open' | 'resolved';
  priority: string;
  site: string | null;
  startedAt: number;
  detectedAt: number;
  acknowledgedAt: number | null;
  acknowledgedBy: string | null;
  resolvedAt: number | null;
  resolveDetectedAt: number | null;
  escalationLevel: number;
  muted: boolean;
  members: string[];
}
export interface IncidentEvent {
  ts: number;
  kind: string;
  actor: string | null;
  detail: Record<string, unknown> | null;
}
export interface IncidentFilter {
  clients?: readonly string[];
  status?: 'open' | 'resolved';
  kind?: IncidentKind;
  from?: number;
  to?: number;
}
export interface NewIncident {
  client: string;
  service: string;
  kind: IncidentKind;
  priority: string;
  site?: string;
  startedAt: number;
  detectedAt: number;
  members: string[];
  muted: boolean;
}

/** Every change of an incident writes its audit-trail row in the same transaction, so the trail is the history. */
export interface IncidentStore {
  findOpen(client: string, service: string, kind: IncidentKind): Promise<IncidentRow | undefined>;
  listOpen(): Promise<IncidentRow[]>;
  get(id: number): Promise<IncidentRow | undefined>;
  list(filter?: IncidentFilter): Promise<IncidentRow[]>;
  open(i: NewIncident): Promise<IncidentRow>;
  updateMembers(id: number, at: number, members: string[]): Promise<void>;
  /** False when it was not open. */
  resolve(id: number, resolvedAt: number, detectedAt: number): Promise<boolean>;
  /** First acknowledgement wins (true); later ones are recorded in the trail and change nothing. */
  acknowledge(id: number, at: number, by: string, via: string, note?: string): Promise<boolean>;
  /** Raises the escalation level to `level` if it is lower; false otherwise. */
  escalate(id: number, at: number, level: number): Promise<boolean>;
  audit(id: number, ts: number, kind: string, actor: string | null, detail: Record<string, unknown> | null): Promise<void>;
  events(id: number): Promise<IncidentEvent[]>;
}

export type DeliveryStatus = 'pending' | 'sending' | 'delivered' | 'failed';
export interface DeliveryRow {
  id: number;
  incidentId: number;
  event: string;
  channel: string;
  body: string;
  status: DeliveryStatus;
  attempts: number;
  nextAttemptAt: number;
  createdAt: number;
  deliveredAt: number | null;
  lastError: string | null;
}
export interface ClaimedDelivery {
  id: number;
  incidentId: number;
  event: string;
  channel: string;
  body: string;
  attempts: number;
  claim: string;
}

/**
 * Durable outbox. A worker claims due rows for a lease; a claimed row is nobody else's
 * until it is settled or its lease runs out (the worker died), so two workers never send
 * the same row at once and a dead worker's claim is not lost.
 */
export interface OutboxStore {
  /** One row per (incident, event key, channel): true when queued now, false when it was there already. */
  enqueue(incidentId: number, event: string, channel: string, body: string, at: number): Promise<boolean>;
  /**
   * Claims up to `limit` due rows of these channels: pending with next attempt ≤ now, or claimed with an
   * expired lease — and only the oldest unsettled row per (incident, channel), so a RESOLVED never overtakes its DOWN.
   */
  claimDue(now: number, channels: readonly string[], claim: string, leaseMs: number, limit: number): Promise<ClaimedDelivery[]>;
  /** Records the outcome of an attempt; false when the claim is no longer this worker's (nothing written). */
  settle(
    id: number,
    claim: string,
    outcome: { status: 'delivered' | 'pending' | 'failed'; at: number; nextAttemptAt?: number; error?: string | null },
  ): Promise<boolean>;
  deliveries(incidentId: number): Promise<DeliveryRow[]>;
  /** Channels that have any delivery of this incident. */
  channelsTold(incidentId: number): Promise<string[]>;
  /** When this incident's event was first delivered on any channel, and on how many channels. */
  firstDelivered(incidentId: number, event: string): Promise<{ at: number | null; count: number }>;
  /** Not yet settled (pending or claimed). */
  pendingCount(): Promise<number>;
}

export interface ExclusionStore {
  add(client: string, e: Exclusion): Promise<number>;
  /** Exclusions of a client overlapping [from, to). */
  list(client: string, from: number, to: number): Promise<Exclusion[]>;
}

export interface SettingsStore {
  get(key: string): Promise<string | undefined>;
  /** Stores `value` unless the key has one; returns the value in force (also when two writers race). */
  putIfAbsent(key: string, value: string): Promise<string>;
}
