import type { Clock } from '../../../shared/clock.js';
import { serviceStateOf } from '../../../shared/sla/quorum.js';
import { selectDefinition } from '../../../shared/sla/definition.js';
import type { MemberState, SlaDefinition } from '../../../shared/sla/types.js';
import type { CheckTransitionEvent, ServiceTransitionEvent } from './events.js';

/**
 * Service state per SLA rule over its members' confirmed states. The first evaluation
 * of a service only learns its state; later changes become ServiceTransitionEvents with
 * the ts of the member transition that caused them. While a service stays down, a change
 * in which members are down is an event too (down → down), so its incident is updated.
 */
export class ServiceTracker {
  /** Per service: its state and which members were down, as last evaluated. */
  private readonly known = new Map<string, { state: MemberState; down: string }>();

  constructor(
    /** A check's confirmed state now (the state engine's memory). */
    private readonly stateOf: (client: string, check: string) => MemberState,
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
        const states = new Map(s.members.map((m) => [m, this.stateOf(e.client, m)] as const));
        const now = serviceStateOf(s.downtime, s.members, (m) => states.get(m) ?? 'unknown');
        const key = `${e.client}\u0000${s.id}`;
        const down = s.members.filter((m) => states.get(m) === 'down').join(',');
        const last = this.known.get(key);
        this.known.set(key, { state: now, down });
        if (last === undefined) {
          // first sight: what was the state just before this member changed?
          const prior = serviceStateOf(s.downtime, s.members, (m) => (m === e.check ? e.from : (states.get(m) ?? 'unknown')));
          if (prior === now) continue;
          out.push(this.event(e, s.id, prior, now, states));
        } else if (last.state !== now || (now === 'down' && last.down !== down)) out.push(this.event(e, s.id, last.state, now, states));
      }
    }
    return out;
  }

  current(client: string, service: string): MemberState | undefined {
    return this.known.get(`${client}\u0000${service}`)?.state;
  }

  private event(e: CheckTransitionEvent, service: string, from: MemberState, to: MemberState, states: Map<string, MemberState>): ServiceTransitionEvent {
    const pick = (st: MemberState) => [...states].filter(([, v]) => v === st).map(([k]) => k);
    return { client: e.client, service, from, to, ts: e.ts, detectedAt: this.clock.now(), membersDown: pick('down'), membersUnknown: pick('unknown') };
  }
}
