import { selectDefinition } from '../../../shared/sla/definition.js';
import type { SlaDefinition } from '../../../shared/sla/types.js';
import type { IncidentRow, IncidentStore, OutboxStore } from '../store/types.js';
import { incidentFigures, summarize, type IncidentFigures } from './stats.js';

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** What the API and CLI show of incidents: times, figures against the contract, deliveries, the audit trail. */
export class IncidentViews {
  constructor(
    private readonly incidents: IncidentStore,
    private readonly outbox: OutboxStore,
    private readonly definitions: () => readonly SlaDefinition[],
  ) {}

  async figures(i: IncidentRow, now: number): Promise<IncidentFigures> {
    const first = (await this.outbox.firstDelivered(i.id, 'incident.opened')).at;
    return incidentFigures(i, first, selectDefinition(this.definitions(), i.client, i.startedAt), now);
  }

  async summary(i: IncidentRow, now: number) {
    return this.summaryWith(i, await this.figures(i, now));
  }

  private summaryWith(i: IncidentRow, figures: IncidentFigures) {
    return {
      id: i.id,
      client: i.client,
      service: i.service,
      kind: i.kind,
      status: i.status,
      priority: i.priority,
      site: i.site,
      muted: i.muted,
      members: i.members,
      escalationLevel: i.escalationLevel,
      acknowledgedBy: i.acknowledgedBy,
      startedAt: i.startedAt,
      detectedAt: i.detectedAt,
      acknowledgedAt: i.acknowledgedAt,
      resolvedAt: i.resolvedAt,
      started: iso(i.startedAt),
      detected: iso(i.detectedAt),
      acknowledged: iso(i.acknowledgedAt),
      resolved: iso(i.resolvedAt),
      ...figures,
    };
  }

  async detail(i: IncidentRow, now: number) {
    const deliveries = (await this.outbox.deliveries(i.id)).map((d) => ({
      event: d.event,
      channel: d.channel,
      status: d.status,
      attempts: d.attempts,
      queuedAt: d.createdAt,
      deliveredAt: d.deliveredAt,
      lastError: d.lastError,
    }));
    const trail = (await this.incidents.events(i.id)).map((e) => ({
      at: e.ts,
      time: iso(e.ts),
      kind: e.kind,
      actor: e.actor,
      ...(e.detail ? { detail: e.detail } : {}),
    }));
    return { ...(await this.summary(i, now)), deliveries, trail };
  }

  /** Outages of a client that started in [from, to): figures and aggregates (muted ones and warnings left out). */
  async stats(client: string, from: number, to: number, now: number) {
    const outages = (await this.incidents.list({ clients: [client], from, to })).filter(
      (i) => !i.muted && (i.kind === 'service-down' || i.kind === 'site-unreachable'),
    );
    const rows = await Promise.all(outages.map(async (incident) => ({ incident, figures: await this.figures(incident, now) })));
    return { summary: summarize(rows), incidents: rows.map((r) => this.summaryWith(r.incident, r.figures)) };
  }
}
