import type { Exclusion } from '../../../shared/sla/types.js';

/** The incidents aggregate of the Store contract (incidents, their audit trail, the notification outbox), and the small ones: exclusions, settings. */
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
