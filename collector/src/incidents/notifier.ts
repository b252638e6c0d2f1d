import type { Clock } from '../../../shared/clock.js';
import type { NotificationEvent } from '../notify/channel.js';
import type { Outbox } from '../notify/outbox.js';
import type { AckLinks } from './ack-link.js';
import type { IncidentRow, IncidentStore, OutboxStore } from '../store/types.js';
import { incidentMessage, type WarningFacts } from './messages.js';

/**
 * Turns incident events into queued deliveries. Follow-ups (acknowledgement, resolution)
 * go to the channels that were told of the incident, so a channel never gets
 * a RESOLVED for something it never heard of. Muted incidents (opened inside a
 * maintenance window) send nothing.
 */
export class IncidentNotifier {
  constructor(
    private readonly incidents: IncidentStore,
    private readonly outbox: Outbox,
    private readonly clock: Clock,
    private readonly links: AckLinks,
    private readonly publicUrl: string | undefined,
    private readonly deliveries: OutboxStore,
  ) {}

  /** Channels that have been told anything of this incident (its opening, an escalation). */
  told(incidentId: number): Promise<string[]> {
    return this.deliveries.channelsTold(incidentId);
  }

  /** Queues `event` under dedupe `key`; `to` limits the channels (default: routing rules). */
  async send(
    i: IncidentRow,
    event: NotificationEvent,
    key: string,
    opts: { to?: readonly string[]; level?: number; warning?: WarningFacts } = {},
  ): Promise<string[]> {
    if (i.muted) return [];
    if (opts.to && opts.to.length === 0) return [];
    const now = this.clock.now();
    const ackUrl = i.status === 'open' && i.acknowledgedAt === null ? this.links.url(i.id, now) : undefined;
    const incidentUrl = this.publicUrl ? `${this.publicUrl.replace(/\/$/, '')}/api/v1/incidents/${i.id}` : undefined;
    const msg = incidentMessage(i, event, now, { ...(ackUrl ? { ackUrl } : {}), ...(incidentUrl ? { incidentUrl } : {}) }, opts);
    const queued = await this.outbox.enqueue(i.id, key, msg, opts.to);
    if (queued.length > 0) await this.incidents.audit(i.id, now, 'notification-queued', null, { event: key, channels: queued });
    return queued;
  }

  /** Sends a follow-up (escalated, acknowledged, resolved) to the channels already told of this incident that take such events. */
  async followUp(i: IncidentRow, event: NotificationEvent, key: string, opts: { level?: number; warning?: WarningFacts } = {}): Promise<string[]> {
    return this.send(i, event, key, { ...opts, to: (await this.told(i.id)).filter((c) => this.outbox.takesEvent(c, event)) });
  }
}
