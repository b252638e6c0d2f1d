import type { Clock } from '../../../shared/clock.js';
import type { Logger } from '../../../shared/logger.js';
import type { CheckResultSample } from '../../../shared/protocol/v1/batch.js';
import { selectDefinition } from '../../../shared/sla/definition.js';
import { memberStateOf } from '../../../shared/sla/thresholds.js';
import type { MemberState, ServiceDefinition, SlaDefinition } from '../../../shared/sla/types.js';
import type { AgentRow, CheckRow, Store } from '../store/types.js';
import type { CheckTransitionEvent, EngineListener } from './events.js';
import type { ServiceTracker } from './service-tracker.js';

export interface StateMachineOptions {
  confirmDown: number;
  confirmUp: number;
  degradedAs: 'down' | 'up';
  staleAfterIntervals: number;
  heartbeatLostAfterMs: number | undefined;
}

/**
 * Turns check results into confirmed state transitions. A new state is confirmed after
 * N consecutive results; the transition's `ts` is the first result of that run (so an
 * outage starts when it started, not when it was confirmed) and `detectedAt` the clock.
 * State lives in the store, so a restart loses nothing.
 */
export class StateMachine {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly opts: StateMachineOptions,
    private readonly listeners: EngineListener[],
    private readonly services: ServiceTracker,
    private readonly definitions: () => readonly SlaDefinition[] = () => [],
  ) {}

  /** Applies one batch's results (inside the ingest transaction); returns the events to emit after commit. */
  applyResults(agent: AgentRow, results: CheckResultSample[]): CheckTransitionEvent[] {
    const events: CheckTransitionEvent[] = [];
    const sorted = [...results].sort((a, b) => a.ts - b.ts);
    for (const r of sorted) {
      const c = this.store.getCheck(agent.clientId, r.checkId);
      if (!c || (c.lastTs !== null && r.ts < c.lastTs)) continue; // late result: stored, but state moves forward only
      c.lastTs = r.ts;
      c.lastStatus = r.status;
      c.lastDurationMs = r.durationMs;
      c.lastMetrics = r.metrics ?? {};
      const services = this.servicesOf(agent.clientId, r.checkId, r.ts);
      const needsRecent = services.some((s) => s.thresholds?.latencyP95AboveMs !== undefined);
      const recentDurationsMs = needsRecent ? this.store.recentDurations(agent.clientId, r.checkId, r.ts, 20) : [r.durationMs];
      const seen = memberStateOf({ status: r.status, metrics: r.metrics ?? {}, recentDurationsMs }, services, this.opts.degradedAs);
      const e = this.observe(c, seen, r.ts, agent, r.reason, r.message);
      if (e) events.push(e);
      this.store.saveCheckState(c);
    }
    return events;
  }

  private servicesOf(client: string, check: string, ts: number): ServiceDefinition[] {
    const def = selectDefinition(this.definitions(), client, ts);
    return def ? def.services.filter((s) => s.members.includes(check)) : [];
  }

  private observe(c: CheckRow, seen: MemberState, ts: number, agent: AgentRow, reason?: string, message?: string): CheckTransitionEvent | undefined {
    if (seen === c.state) {
      c.runStatus = null;
      c.runCount = 0;
      c.runStart = null;
      return undefined;
    }
    if (c.runStatus === seen) c.runCount++;
    else {
      c.runStatus = seen;
      c.runCount = 1;
      c.runStart = ts;
    }
    const needed = seen === 'down' ? this.opts.confirmDown : this.opts.confirmUp;
    if (c.runCount < needed) return undefined;
    return this.transition(c, seen, c.runStart ?? ts, agent, reason, message);
  }

  private transition(c: CheckRow, to: MemberState, ts: number, agent: Pick<AgentRow, 'id' | 'siteId'>, reason?: string, message?: string): CheckTransitionEvent {
    const from = c.state;
    c.state = to;
    c.stateSince = ts;
    c.runStatus = null;
    c.runCount = 0;
    c.runStart = null;
    const detectedAt = this.clock.now();
    this.store.insertTransition(c.clientId, c.checkId, ts, to, detectedAt, reason);
    return {
      client: c.clientId, site: agent.siteId, agentId: agent.id, check: c.checkId, from, to, ts, detectedAt,
      ...(reason ? { reason } : {}), ...(message ? { message } : {}),
    };
  }

  /**
   * Periodic sweep: checks with no result for staleAfterIntervals × interval go unknown
   * (from when the next result was due); agents whose heartbeats stopped become
   * unreachable — one event per agent, and their checks go unknown.
   */
  sweep(): void {
    const now = this.clock.now();
    const events: CheckTransitionEvent[] = [];
    for (const agent of this.store.listAgents()) {
      if (agent.revokedAt !== null || agent.lastSeen === null) continue;
      const hb = agent.heartbeatIntervalMs ?? 30_000;
      const lostAfter = this.opts.heartbeatLostAfterMs ?? 3 * hb;
      const lost = now - agent.lastSeen > lostAfter;
      if (lost && agent.reachable) {
        this.store.setAgentReachable(agent.id, false);
        const checks = this.store.listChecks(agent.clientId).filter((c) => c.agentId === agent.id);
        for (const c of checks) {
          if (c.state !== 'unknown') {
            events.push(this.transition(c, 'unknown', agent.lastSeen + hb, agent, 'agent-unreachable'));
            this.store.saveCheckState(c);
          }
        }
        this.emit('onAgentReachability', { client: agent.clientId, site: agent.siteId, agentId: agent.id, reachable: false, ts: agent.lastSeen, detectedAt: now, checks: checks.map((c) => c.checkId) });
      }
    }
    for (const c of this.store.listChecks()) {
      if (c.state === 'unknown' || c.lastTs === null || c.intervalMs === null) continue;
      if (now - c.lastTs > this.opts.staleAfterIntervals * c.intervalMs) {
        events.push(this.transition(c, 'unknown', c.lastTs + c.intervalMs, { id: c.agentId, siteId: c.siteId }, 'stale'));
        this.store.saveCheckState(c);
      }
    }
    this.publish(events);
  }

  /** A heartbeat arrived: an unreachable agent is back. */
  heartbeat(agent: AgentRow): void {
    if (!agent.reachable) {
      this.store.setAgentReachable(agent.id, true);
      const now = this.clock.now();
      const checks = this.store.listChecks(agent.clientId).filter((c) => c.agentId === agent.id).map((c) => c.checkId);
      this.emit('onAgentReachability', { client: agent.clientId, site: agent.siteId, agentId: agent.id, reachable: true, ts: now, detectedAt: now, checks });
    }
  }

  /** Emits check events, then the service transitions they cause. */
  publish(events: CheckTransitionEvent[]): void {
    for (const e of events) this.emit('onCheckTransition', e);
    for (const s of this.services.evaluate(events)) this.emit('onServiceTransition', s);
  }

  private emit<K extends keyof EngineListener>(kind: K, event: Parameters<NonNullable<EngineListener[K]>>[0]): void {
    for (const l of this.listeners) {
      try {
        (l[kind] as ((e: typeof event) => void) | undefined)?.call(l, event);
      } catch (err) {
        this.logger.error({ err, kind }, 'engine listener failed');
      }
    }
  }
}
