import type { Clock } from '../../../shared/clock.js';
import { VigilError } from '../../../shared/errors.js';
import type { Logger } from '../../../shared/logger.js';
import { isInMaintenance } from '../../../shared/sla/maintenance.js';
import { selectDefinition } from '../../../shared/sla/definition.js';
import type { SlaDefinition } from '../../../shared/sla/types.js';
import type { AgentReachabilityEvent, EngineListener, ServiceTransitionEvent } from '../engine/events.js';
import type { IncidentRow, IncidentStore } from '../store/types.js';
import type { IncidentNotifier } from './notifier.js';

export const DEFAULT_PRIORITY = 'p2';

/**
 * Service-level incidents from the state engine: one incident per outage of a service
 * (opened when the SLA rule's downtime condition is confirmed, updated while the set of
 * members down changes, resolved when the service is up again), and one "site
 * unreachable" incident per agent whose heartbeats stop — not one per check. A service
 * that goes from down to unknown stays open: nobody knows it recovered.
 */
export class IncidentRecorder implements EngineListener {
  constructor(
    private readonly incidents: IncidentStore,
    private readonly notifier: IncidentNotifier,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly definitions: () => readonly SlaDefinition[],
  ) {}

  async onServiceTransition(e: ServiceTransitionEvent): Promise<void> {
    const open = await this.incidents.findOpen(e.client, e.service, 'service-down');
    if (e.to === 'down') {
      if (open) return this.incidents.updateMembers(open.id, e.detectedAt, e.membersDown);
      const def = selectDefinition(this.definitions(), e.client, e.ts);
      const svc = def?.services.find((s) => s.id === e.service);
      const muted = !!(def && svc && isInMaintenance(svc, def.timezone, e.ts));
      const i = await this.incidents.open({
        client: e.client,
        service: e.service,
        kind: 'service-down',
        priority: svc?.priority ?? DEFAULT_PRIORITY,
        startedAt: e.ts,
        detectedAt: e.detectedAt,
        members: e.membersDown,
        muted,
      });
      this.logger.warn({ incident: i.id, client: e.client, service: e.service, muted }, 'incident opened');
      await this.notifier.send(i, 'incident.opened', 'incident.opened');
    } else if (open && e.to === 'up') {
      await this.close(open, e.ts, e.detectedAt);
    } else if (open) {
      await this.incidents.audit(open.id, e.detectedAt, 'state', null, { state: e.to, membersDown: e.membersDown, membersUnknown: e.membersUnknown });
    }
  }

  async onAgentReachability(e: AgentReachabilityEvent): Promise<void> {
    const key = `site:${e.site}`;
    const open = await this.incidents.findOpen(e.client, key, 'site-unreachable');
    if (!e.reachable && !open) {
      const i = await this.incidents.open({
        client: e.client,
        service: key,
        kind: 'site-unreachable',
        priority: this.sitePriority(e),
        site: e.site,
        startedAt: e.ts,
        detectedAt: e.detectedAt,
        members: [],
        muted: false,
      });
      await this.incidents.audit(i.id, e.detectedAt, 'agent', null, { agentId: e.agentId, checks: e.checks });
      this.logger.warn({ incident: i.id, client: e.client, site: e.site, agent: e.agentId }, 'site unreachable');
      await this.notifier.send(i, 'incident.opened', 'incident.opened');
    } else if (e.reachable && open) {
      await this.close(open, e.ts, e.detectedAt);
    }
  }

  /** Acknowledge (API, CLI or signed link). The first acknowledgement counts; it stops escalation. */
  async acknowledge(id: number, by: string, via: 'api' | 'cli' | 'link', note?: string): Promise<IncidentRow> {
    const i = await this.incidents.get(id);
    if (!i) throw new VigilError('NOT_FOUND', `no incident ${id}`);
    if (await this.incidents.acknowledge(id, this.clock.now(), by, via, note)) {
      const acked = (await this.incidents.get(id))!;
      await this.notifier.followUp(acked, 'incident.acknowledged', 'incident.acknowledged');
      return acked;
    }
    return i;
  }

  private async close(i: IncidentRow, resolvedAt: number, detectedAt: number): Promise<void> {
    if (!(await this.incidents.resolve(i.id, resolvedAt, detectedAt))) return;
    this.logger.info({ incident: i.id, client: i.client, service: i.service }, 'incident resolved');
    await this.notifier.followUp((await this.incidents.get(i.id))!, 'incident.resolved', 'incident.resolved');
  }

  /** A site's priority is the most urgent of the services its checks belong to. */
  private sitePriority(e: AgentReachabilityEvent): string {
    const def = selectDefinition(this.definitions(), e.client, e.ts);
    const prios = (def?.services ?? []).filter((s) => s.members.some((m) => e.checks.includes(m))).map((s) => s.priority ?? DEFAULT_PRIORITY);
    return prios.sort()[0] ?? DEFAULT_PRIORITY;
  }
}
