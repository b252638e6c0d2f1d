import type { Clock } from '../../../shared/clock.js';
import { serviceStateOf } from '../../../shared/sla/quorum.js';
import { selectDefinition } from '../../../shared/sla/definition.js';
import type { MemberState, SlaDefinition } from '../../../shared/sla/types.js';
import type { Store } from '../store/types.js';
import type { CheckTransitionEvent, ServiceTransitionEvent } from './events.js';

/**
 * Service state per SLA rule over its members' confirmed states. The first evaluation
 * of a service only learns its state; later changes become ServiceTransitionEvents with
 * the ts of the member transition that caused them. While a service stays down, a change
 * in which members are down is an event too (down → down), so its incident is updated.
 */
export class ServiceTracker {
  private readonly known = new Map<string, MemberState>();
  private readonly downSet = new Map<string, string>();

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly definitions: () => readonly SlaDefinition[],
  ) {}

  evaluate(events: readonly CheckTransitionEvent[]): ServiceTransitionEvent[] {
    const out: ServiceTransitionEvent[] = [];
    const defs = this.definitions();
    for (const e of events) {
      const def = selectDefinition(defs, e.client, e.ts);
      if (!def) continue;
      for (const s of def.services) {
        if (!s.members.includes(e.check)) continue;
        const states = new Map(s.members.map((m) => [m, this.store.getCheck(e.client, m)?.state ?? 'unknown'] as const));
        const now = serviceStateOf(s.downtime, s.members, (m) => states.get(m) ?? 'unknown');
        const key = `${e.client}\u0000${s.id}`;
        const before = this.known.get(key);
        this.known.set(key, now);
        const downNow = s.members.filter((m) => states.get(m) === 'down').join(',');
        const downBefore = this.downSet.get(key);
        this.downSet.set(key, downNow);
        if (before === undefined) {
          // first sight: what was the state just before this member changed?
          const prior = serviceStateOf(s.downtime, s.members, (m) => (m === e.check ? e.from : states.get(m) ?? 'unknown'));
          if (prior === now) continue;
          out.push(this.event(e, s.id, prior, now, states));
        } else if (before !== now || (now === 'down' && downBefore !== downNow)) out.push(this.event(e, s.id, before, now, states));
      }
    }
    return out;
  }

  current(client: string, service: string): MemberState | undefined {
    return this.known.get(`${client}\u0000${service}`);
  }

  private event(e: CheckTransitionEvent, service: string, from: MemberState, to: MemberState, states: Map<string, MemberState>): ServiceTransitionEvent {
    const pick = (st: MemberState) => [...states].filter(([, v]) => v === st).map(([k]) => k);
    return { client: e.client, service, from, to, ts: e.ts, detectedAt: this.clock.now(), membersDown: pick('down'), membersUnknown: pick('unknown') };
  }
}
