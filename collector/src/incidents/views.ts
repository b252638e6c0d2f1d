import type { Database } from 'better-sqlite3';
import { selectDefinition } from '../../../shared/sla/definition.js';
import type { SlaDefinition } from '../../../shared/sla/types.js';
import type { IncidentRow, IncidentStore } from './incident-store.js';
import { incidentFigures, summarize, type IncidentFigures } from './stats.js';

interface DeliveryRaw { event: string; channel: string; status: string; attempts: number; created_at: number; delivered_at: number | null; last_error: string | null }

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** What the API and CLI show of incidents: times, figures against the contract, deliveries, the audit trail. */
export class IncidentViews {
  private readonly deliveries;
  private readonly firstOpening;

  constructor(private readonly incidents: IncidentStore, db: Database, private readonly definitions: () => readonly SlaDefinition[]) {
    this.deliveries = db.prepare(`SELECT event, channel, status, attempts, created_at, delivered_at, last_error FROM deliveries WHERE incident_id = ? ORDER BY id`);
    this.firstOpening = db.prepare(`SELECT MIN(delivered_at) AS at FROM deliveries WHERE incident_id = ? AND event = 'incident.opened' AND status = 'delivered'`);
  }

  figures(i: IncidentRow, now: number): IncidentFigures {
    const first = (this.firstOpening.get(i.id) as { at: number | null }).at;
    return incidentFigures(i, first, selectDefinition(this.definitions(), i.client, i.startedAt), now);
  }

  summary(i: IncidentRow, now: number) {
    return {
      id: i.id, client: i.client, service: i.service, kind: i.kind, status: i.status, priority: i.priority, site: i.site, muted: i.muted,
      members: i.members, escalationLevel: i.escalationLevel, acknowledgedBy: i.acknowledgedBy,
      startedAt: i.startedAt, detectedAt: i.detectedAt, acknowledgedAt: i.acknowledgedAt, resolvedAt: i.resolvedAt,
      started: iso(i.startedAt), detected: iso(i.detectedAt), acknowledged: iso(i.acknowledgedAt), resolved: iso(i.resolvedAt),
      ...this.figures(i, now),
    };
  }

  detail(i: IncidentRow, now: number) {
    const deliveries = (this.deliveries.all(i.id) as DeliveryRaw[]).map((d) => ({
      event: d.event, channel: d.channel, status: d.status, attempts: d.attempts, queuedAt: d.created_at, deliveredAt: d.delivered_at, lastError: d.last_error,
    }));
    const trail = this.incidents.events(i.id).map((e) => ({ at: e.ts, time: iso(e.ts), kind: e.kind, actor: e.actor, ...(e.detail ? { detail: e.detail } : {}) }));
    return { ...this.summary(i, now), deliveries, trail };
  }

  /** Outages of a client that started in [from, to): figures and aggregates (muted ones and warnings left out). */
  stats(client: string, from: number, to: number, now: number) {
    const rows = this.incidents.list({ client, from, to })
      .filter((i) => !i.muted && (i.kind === 'service-down' || i.kind === 'site-unreachable'))
      .map((incident) => ({ incident, figures: this.figures(incident, now) }));
    return { summary: summarize(rows), incidents: rows.map((r) => this.summary(r.incident, now)) };
  }
}
