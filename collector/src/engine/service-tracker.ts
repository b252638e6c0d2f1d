import type { Clock } from '../../../shared/clock.js';
import { serviceStateOf } from '../../../shared/sla/quorum.js';
import { selectDefinition } from '../../../shared/sla/definition.js';
import type { MemberState, SlaDefinition } from '../../../shared/sla/types.js';
import type { CheckTransitionEvent, ServiceTransitionEvent } from './events.js';

const instantOf = (e: CheckTransitionEvent) => e.instant ?? e.ts;

/**
 * Service state per SLA rule over its members' confirmed states. The first evaluation
 * of a service only learns its state; later changes become ServiceTransitionEvents with
 * the ts of the member transition that caused them. While a service stays down, a change
 * in which members are down is an event too (down → down), so its incident is updated.
 * Events are evaluated in order, each against the member states as of that event — those of
 * one instant (CheckTransitionEvent.instant) together — so a batch that carries a whole outage (a backfill) opens and
 * resolves its incident.
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
    // member states as of the instant being judged: a check with events here starts from the first one's `from`
    const asOf = new Map<string, MemberState>();
    const ck = (client: string, check: string) => `${client}\u0000${check}`;
    for (const e of events) if (!asOf.has(ck(e.client, e.check))) asOf.set(ck(e.client, e.check), e.from);
    for (let i = 0; i < events.length; ) {
      // the events of one instant (a round of results, a lost agent) are one change: all applied, then judged
      let j = i + 1;
      while (j < events.length && instantOf(events[j]!) === instantOf(events[i]!)) j++;
      const group = events.slice(i, j);
      i = j;
      for (const e of group) asOf.set(ck(e.client, e.check), e.to);
      for (const e of group) {
        const def = selectDefinition(defs, e.client, e.ts);
        if (!def) continue;
        for (const s of def.services) {
          if (!s.members.includes(e.check)) continue;
          const states = new Map(s.members.map((m) => [m, asOf.get(ck(e.client, m)) ?? this.stateOf(e.client, m)] as const));
          const now = serviceStateOf(s.downtime, s.members, (m) => states.get(m) ?? 'unknown');
          const key = `${e.client}\u0000${s.id}`;
          const down = s.members.filter((m) => states.get(m) === 'down').join(',');
          const last = this.known.get(key);
          this.known.set(key, { state: now, down });
          // the change began with the earliest of this instant's member transitions
          const ts = Math.min(...group.filter((g) => g.client === e.client && s.members.includes(g.check)).map((g) => g.ts));
          if (last === undefined) {
            // first sight: what was the state just before this member changed?
            const prior = serviceStateOf(s.downtime, s.members, (m) => (m === e.check ? e.from : (states.get(m) ?? 'unknown')));
            if (prior === now) continue;
            out.push(this.event(e, ts, s.id, prior, now, states));
          } else if (last.state !== now || (now === 'down' && last.down !== down)) out.push(this.event(e, ts, s.id, last.state, now, states));
        }
      }
    }
    return out;
  }

  current(client: string, service: string): MemberState | undefined {
    return this.known.get(`${client}\u0000${service}`)?.state;
  }

  private event(
    e: CheckTransitionEvent,
    ts: number,
    service: string,
    from: MemberState,
    to: MemberState,
    states: Map<string, MemberState>,
  ): ServiceTransitionEvent {
    const pick = (st: MemberState) => [...states].filter(([, v]) => v === st).map(([k]) => k);
    return { client: e.client, service, from, to, ts, detectedAt: this.clock.now(), membersDown: pick('down'), membersUnknown: pick('unknown') };
  }
}
