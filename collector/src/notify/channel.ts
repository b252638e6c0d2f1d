/**
 * The seam between incidents and the ways of telling people about them. The incident
 * engine builds one channel-neutral NotificationMessage per event; each channel (one file
 * each: webhook, slack, teams, email, psa) formats and sends it. The outbox owns retries,
 * backoff, deduplication and persistence, so a channel only makes one attempt.
 */

export type NotificationEvent =
  | 'incident.opened'
  | 'incident.escalated'
  | 'incident.acknowledged'
  | 'incident.resolved'
  | 'sla.burn_rate'
  | 'sla.projected_breach';

export const NOTIFICATION_EVENTS: readonly NotificationEvent[] = [
  'incident.opened',
  'incident.escalated',
  'incident.acknowledged',
  'incident.resolved',
  'sla.burn_rate',
  'sla.projected_breach',
];

import type { IncidentKind } from '../store/types.js';

export type { IncidentKind };
export type Severity = 'critical' | 'warning' | 'info';

export interface NotificationMessage {
  event: NotificationEvent;
  /** One line a person reads first, e.g. "DOWN acme/network (p1)". */
  title: string;
  /** Plain text, several lines: what, since when, which members, how to acknowledge. */
  text: string;
  severity: Severity;
  client: string;
  /** Service id; for a site-unreachable incident the site id. */
  service: string;
  /** Priority of the service (p1 … p4) from the SLA definition. */
  priority: string;
  incident: {
    id: number;
    kind: IncidentKind;
    status: 'open' | 'acknowledged' | 'resolved';
    startedAt: string;
    detectedAt: string;
    acknowledgedAt?: string;
    acknowledgedBy?: string;
    resolvedAt?: string;
    durationSeconds?: number;
    membersDown?: string[];
    site?: string;
  };
  /** 1, 2 … for incident.escalated. */
  escalationLevel?: number;
  /** Signed one-click acknowledge link (needs `publicUrl` in the collector config). */
  ackUrl?: string;
  /** The incident in the collector's API. */
  incidentUrl?: string;
  sentAt: string;
}

export interface DeliveryResult {
  ok: boolean;
  /** HTTP status or SMTP reply code, when there was one. */
  status?: number;
  /** Server asked to wait (HTTP 429/503 Retry-After). */
  retryAfterMs?: number;
  error?: string;
  /** Retrying cannot help (e.g. 400/401/404, SMTP 5xx): the outbox gives up at once. */
  permanent?: boolean;
}

export interface Channel {
  readonly name: string;
  readonly type: string;
  /** One attempt. Never throws: a failure is a DeliveryResult. Must honour `signal` (timeout). */
  send(msg: NotificationMessage, deliveryId: string, signal: AbortSignal): Promise<DeliveryResult>;
}

/** Which messages a channel receives. Empty/absent filter = all. */
export interface ChannelRoute {
  clients?: string[];
  priorities?: string[];
  events?: NotificationEvent[];
}

export function routeMatches(route: ChannelRoute, msg: Pick<NotificationMessage, 'client' | 'priority' | 'event'>): boolean {
  return (
    (!route.clients || route.clients.includes(msg.client)) &&
    (!route.priorities || route.priorities.includes(msg.priority)) &&
    (!route.events || route.events.includes(msg.event))
  );
}
