import type { CheckResultSample, MetricSample } from '../../../shared/protocol/v1/batch.js';
import type { CheckDescriptor } from '../../../shared/protocol/v1/heartbeat.js';
import type { Exclusion, MemberState, Transition } from '../../../shared/sla/types.js';
import type { AgentRow } from './agent-types.js';
import type { QualityCount } from './quality-rows.js';

/** The checks aggregate of the Store contract: checks, raw results, transitions, host metrics. */
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
  /** Degraded-but-counted-up runs the batch opens or closes (engine/degraded-runs.ts); closed ones are upserted with their end. */
  degraded?: DegradedRunChanges;
}

export interface DegradedRunChanges {
  opened: Array<{ checkId: string; start: number }>;
  closed: Array<{ checkId: string; start: number; end: number }>;
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
  /** Every degraded run still open (the engine's mirror at start). */
  openDegradedRuns(): Promise<Array<{ clientId: string; checkId: string; start: number }>>;
  /** Degraded runs of these checks overlapping [from, to); end null while open; by start. */
  degradedRunsFor(
    clientId: string,
    checkIds: readonly string[],
    from: number,
    to: number,
  ): Promise<Array<{ check: string; start: number; end: number | null }>>;
  /** MOS histogram counts of a client's checks over the quality slots starting in [from, to), summed per (check, bucket); by check, bucket. */
  qualityFor(clientId: string, from: number, to: number): Promise<QualityCount[]>;
  countResults(clientId?: string): Promise<number>;
  /**
   * Records that the state engine was alive at `at` (settings key LAST_ALIVE_SETTING, forward only), so the next
   * start knows when this collector stopped. Here rather than on SettingsStore only to keep the seam's files apart.
   */
  markAlive(at: number): Promise<void>;
  /** Drops raw results older than `before`, by arrival order (results are an append-only log; a late result may outlive it by its delay). */
  pruneResults(before: number): Promise<number>;
  /**
   * Drops the records of batches received before `before` (kept to recognise a resent batch). Safe once
   * `before` is older than now − maxSampleAge − futureTolerance: every sample of such a batch, resent,
   * is refused as too old anyway.
   */
  pruneBatches(before: number): Promise<number>;
}
