import type { Problem } from '../../../shared/errors.js';
import type { HeartbeatSpool } from '../../../shared/protocol/v1/heartbeat.js';
import type { Exclusion, MemberState } from '../../../shared/sla/types.js';
import type { ApiRole, ApiTokenRow, ArchivedReport, AuditEntry } from './access-types.js';
import type { AgentRow, AgentRuntime, CheckRow, DeliveryRow, EnrollmentTokenRow, HostMetricRow, IncidentKind, IncidentRow } from './types.js';

/**
 * Row mapping shared by the engines: both use the same snake_case columns, integers for
 * times (ms since the epoch) and flags, and JSON as text, so one mapper fits both.
 */
export type Raw = Record<string, unknown>;

const num = (v: unknown): number => (typeof v === 'number' ? v : Number(v));
const numOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : num(v));
const strOrNull = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));

export const toToken = (r: Raw): EnrollmentTokenRow => ({
  id: String(r.id),
  tokenHash: String(r.token_hash),
  clientId: String(r.client_id),
  siteId: String(r.site_id),
  createdAt: num(r.created_at),
  expiresAt: num(r.expires_at),
  maxUses: numOrNull(r.max_uses),
  uses: num(r.uses),
  revokedAt: numOrNull(r.revoked_at),
  note: strOrNull(r.note),
});

export const toAgent = (r: Raw): AgentRow => ({
  id: String(r.id),
  clientId: String(r.client_id),
  siteId: String(r.site_id),
  hostname: String(r.hostname),
  createdAt: num(r.created_at),
  revokedAt: numOrNull(r.revoked_at),
  lastSeen: numOrNull(r.last_seen),
  heartbeatIntervalMs: numOrNull(r.heartbeat_interval_ms),
  reachable: num(r.reachable) === 1,
  spool:
    r.spool_at === null || r.spool_at === undefined
      ? null
      : {
          batches: num(r.spool_batches),
          bytes: num(r.spool_bytes),
          oldestAgeSeconds: num(r.spool_oldest_age_seconds),
          droppedBatches: num(r.spool_dropped_batches),
          droppedSamples: num(r.spool_dropped_samples),
          corruptRecords: numOrNull(r.spool_corrupt_records),
          at: num(r.spool_at),
        },
  runtime: r.runtime_at === null || r.runtime_at === undefined ? null : toRuntime(r),
});

const toRuntime = (r: Raw): AgentRuntime => ({
  agentVersion: String(r.agent_version),
  os: strOrNull(r.os),
  startedAt: num(r.started_at),
  config:
    r.config_source === null || r.config_source === undefined
      ? null
      : {
          source: String(r.config_source) as 'central' | 'local',
          version: strOrNull(r.config_version),
          state: String(r.config_state) as 'applied' | 'rejected' | 'none',
          rejectedVersion: strOrNull(r.config_rejected_version),
          problems: r.config_problems ? (JSON.parse(String(r.config_problems)) as Problem[]) : [],
        },
  at: num(r.runtime_at),
});

/** An agent's runtime columns in the order both engines' recordRuntime takes them, `at` last. */
export const runtimeParams = (x: AgentRuntime): unknown[] => [
  x.agentVersion,
  x.os,
  x.startedAt,
  x.config?.source ?? null,
  x.config?.version ?? null,
  x.config?.state ?? null,
  x.config?.rejectedVersion ?? null,
  x.config && x.config.problems.length > 0 ? JSON.stringify(x.config.problems) : null,
  x.at,
];

/** An agent's spool columns in the order both engines' recordSpool takes them (all null: cleared). */
export const spoolParams = (s: HeartbeatSpool | null): unknown[] =>
  s ? [s.batches, s.bytes, s.oldestAgeSeconds, s.droppedBatches, s.droppedSamples, s.corruptRecords ?? null] : [null, null, null, null, null, null];

export const toCheck = (r: Raw): CheckRow => ({
  clientId: String(r.client_id),
  checkId: String(r.check_id),
  agentId: String(r.agent_id),
  siteId: String(r.site_id),
  type: String(r.type),
  target: strOrNull(r.target),
  labels: JSON.parse(String(r.labels ?? '{}')),
  intervalMs: numOrNull(r.interval_ms),
  timeoutMs: numOrNull(r.timeout_ms),
  lastTs: numOrNull(r.last_ts),
  lastStatus: strOrNull(r.last_status),
  lastDurationMs: numOrNull(r.last_duration_ms),
  lastMetrics: r.last_metrics ? JSON.parse(String(r.last_metrics)) : {},
  state: r.state as MemberState,
  stateSince: numOrNull(r.state_since),
  runStatus: (r.run_status ?? null) as MemberState | null,
  runCount: num(r.run_count),
  runStart: numOrNull(r.run_start),
  recentDurationsMs: r.recent_durations ? (JSON.parse(String(r.recent_durations)) as number[]) : [],
});

/** A check's columns in the order both engines' upserts take them. */
export const checkParams = (c: CheckRow): unknown[] => [
  c.clientId,
  c.checkId,
  c.agentId,
  c.siteId,
  c.type,
  c.target,
  JSON.stringify(c.labels),
  c.intervalMs,
  c.timeoutMs,
  c.lastTs,
  c.lastStatus,
  c.lastDurationMs,
  JSON.stringify(c.lastMetrics),
  c.state,
  c.stateSince,
  c.runStatus,
  c.runCount,
  c.runStart,
  c.recentDurationsMs.length ? JSON.stringify(c.recentDurationsMs) : null,
];
export const CHECK_COLUMNS =
  'client_id, check_id, agent_id, site_id, type, target, labels, interval_ms, timeout_ms, last_ts, last_status, last_duration_ms, last_metrics, state, state_since, run_status, run_count, run_start, recent_durations';
export const CHECK_WIDTH = 19;

export const toHostMetric = (r: Raw): HostMetricRow => ({
  agentId: String(r.agent_id),
  name: String(r.name),
  labels: JSON.parse(String(r.labels)),
  ts: num(r.ts),
  value: num(r.value),
});

export const toIncident = (r: Raw): IncidentRow => ({
  id: num(r.id),
  client: String(r.client_id),
  service: String(r.service),
  kind: r.kind as IncidentKind,
  status: r.status as 'open' | 'resolved',
  priority: String(r.priority),
  site: strOrNull(r.site_id),
  startedAt: num(r.started_at),
  detectedAt: num(r.detected_at),
  acknowledgedAt: numOrNull(r.acknowledged_at),
  acknowledgedBy: strOrNull(r.acknowledged_by),
  resolvedAt: numOrNull(r.resolved_at),
  resolveDetectedAt: numOrNull(r.resolve_detected_at),
  escalationLevel: num(r.escalation_level),
  muted: num(r.muted) === 1,
  members: JSON.parse(String(r.members)) as string[],
});

export const toDelivery = (r: Raw): DeliveryRow => ({
  id: num(r.id),
  incidentId: num(r.incident_id),
  event: String(r.event),
  channel: String(r.channel),
  body: String(r.body),
  status: r.status as DeliveryRow['status'],
  attempts: num(r.attempts),
  nextAttemptAt: num(r.next_attempt_at),
  createdAt: num(r.created_at),
  deliveredAt: numOrNull(r.delivered_at),
  lastError: strOrNull(r.last_error),
});

export const toExclusion = (r: Raw): Exclusion => ({
  service: String(r.service),
  start: num(r.start_ts),
  end: num(r.end_ts),
  reason: String(r.reason),
  addedBy: String(r.added_by),
  addedAt: num(r.added_at),
});

export const toEvent = (r: Raw) => ({
  ts: num(r.ts),
  kind: String(r.kind),
  actor: strOrNull(r.actor),
  detail: r.detail ? (JSON.parse(String(r.detail)) as Record<string, unknown>) : null,
});

/** Audit detail of a (first or repeated) acknowledgement. */
export const ackDetail = (via: string, note?: string) => JSON.stringify({ via, ...(note ? { note } : {}) });

export const toApiToken = (r: Raw): ApiTokenRow => ({
  id: String(r.id),
  name: String(r.name),
  role: String(r.role) as ApiRole,
  clients: JSON.parse(String(r.clients)) as string[],
  tokenHash: String(r.token_hash),
  createdAt: num(r.created_at),
  createdBy: String(r.created_by),
  expiresAt: numOrNull(r.expires_at),
  revokedAt: numOrNull(r.revoked_at),
});

export const toAudit = (r: Raw): AuditEntry => ({
  id: num(r.id),
  ts: num(r.ts),
  principal: String(r.principal),
  role: String(r.role),
  action: String(r.action),
  target: String(r.target),
  client: strOrNull(r.client_id),
  source: String(r.source),
  detail: JSON.parse(String(r.detail)) as Record<string, unknown>,
});

/** An audit list's bounds: newest first, 100 unless told, never more than 10,000. */
export const auditLimit = (limit: number | undefined): number => Math.min(10_000, Math.max(1, Math.floor(limit ?? 100)));

export const toArchived = (r: Raw): ArchivedReport => ({
  id: num(r.id),
  client: String(r.client_id),
  period: String(r.period),
  version: num(r.version),
  issuedAt: num(r.issued_at),
  issuedBy: String(r.issued_by),
  reason: strOrNull(r.reason),
  status: String(r.status) as ArchivedReport['status'],
  sha256: String(r.sha256),
  json: r.json === undefined ? '' : String(r.json),
});
