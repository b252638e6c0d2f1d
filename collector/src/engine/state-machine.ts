import type { Clock } from '../../../shared/clock.js';
import type { Logger } from '../../../shared/logger.js';
import type { CheckResultSample, MetricSample } from '../../../shared/protocol/v1/batch.js';
import type { CheckDescriptor } from '../../../shared/protocol/v1/heartbeat.js';
import { servicesWithMember } from '../../../shared/sla/definition.js';
import { memberJudgement } from '../../../shared/sla/thresholds.js';
import type { MemberState, SlaDefinition } from '../../../shared/sla/types.js';
import { type AgentRow, type CheckRow, NO_AGENT, type Store } from '../store/types.js';
import { CheckOwners } from './check-owners.js';
import { draft, infer, newCheck, observe, release, resetRun, staleFrom, transition } from './check-state.js';
import { CollectorLiveness } from './collector-liveness.js';
import { DegradedRuns } from './degraded-runs.js';
import type { AgentReachabilityEvent, CheckTransitionEvent, EngineListener } from './events.js';
import { EventPublisher } from './publisher.js';
import { sweepChecks } from './sweeper.js';
import { type EngineCore, key, type Plan, type StateMachineOptions } from './engine-core.js';
import { KeyedLock } from './keyed-lock.js';
import { awaitsBackfill, type ResumePoint, reconcileEvents, resumePoints } from './late-results.js';
import type { ServiceTracker } from './service-tracker.js';

export type { StateMachineOptions } from './engine-core.js';

type AgentRef = Pick<AgentRow, 'id' | 'clientId' | 'siteId'>;
const RECENT = 20;

const NOTHING_TO_RESUME: ReadonlyMap<string, ResumePoint | null> = new Map();

/**
 * Turns check results into confirmed state transitions. A new state is confirmed after N consecutive
 * results; the transition's `ts` is the first result of that run (an outage starts when it started, not
 * when it was confirmed) and `detectedAt` the clock. Check state is kept in memory (loaded at start) and
 * written with its batch in one transaction; a check changes under its own lock only, so a plan never
 * races. Late results are merged in time order with what the engine inferred meanwhile (late-results.ts).
 */
export class StateMachine implements EngineCore {
  readonly checks = new Map<string, CheckRow>();
  readonly locks = new KeyedLock();
  private readonly publisher: EventPublisher;
  /** The collector's own gaps; silence is judged from its start at the earliest. */
  readonly liveness: CollectorLiveness;
  /** Which agent owns each check id of a client (check-owners.ts); ingest refuses the others' samples. */
  readonly owners = new CheckOwners();
  private readonly needed: { down: number; up: number };
  private readonly degradedRuns = new DegradedRuns(); // degraded-but-counted-up runs (reports' degradedSeconds)

  constructor(
    readonly store: Store,
    readonly clock: Clock,
    readonly logger: Logger,
    readonly opts: StateMachineOptions,
    readonly listeners: EngineListener[],
    private readonly services: ServiceTracker,
    private readonly definitions: () => readonly SlaDefinition[] = () => [],
  ) {
    this.liveness = new CollectorLiveness(store, clock, logger);
    this.publisher = new EventPublisher(listeners, services, logger);
    this.needed = { down: opts.confirmDown, up: opts.confirmUp };
  }

  async load(): Promise<void> {
    const [rows, agents] = await Promise.all([this.store.checks.list(), this.store.agents.list()]);
    for (const c of rows) this.checks.set(key(c.clientId, c.checkId), c);
    await this.degradedRuns.load(this.store);
    const revoked = new Set(agents.filter((a) => a.revokedAt !== null).map((a) => a.id));
    this.owners.load(rows, revoked);
    await this.liveness.start();
    // checks still held by revoked agents (revoked before owners were kept, or a batch of theirs was in flight): released now
    const orphans = new Map<string, { client: string; ids: string[] }>();
    for (const c of rows) {
      if (c.agentId === NO_AGENT || !revoked.has(c.agentId)) continue;
      const o = orphans.get(c.agentId) ?? { client: c.clientId, ids: [] };
      o.ids.push(c.checkId);
      orphans.set(c.agentId, o);
    }
    for (const [agentId, o] of orphans) await this.releaseChecks(o.client, o.ids, agentId);
  }

  /** The agent owning a check id of a client; undefined when none does (the next agent to report it takes it). */
  ownerOf(client: string, check: string): string | undefined {
    return this.owners.ownerOf(client, check);
  }

  /** An agent was revoked: every check id it owned is released (unknown from now, free for another agent). */
  async releaseAgent(agent: Pick<AgentRow, 'id' | 'clientId'>): Promise<string[]> {
    this.owners.revoke(agent.id);
    const ids = new Set(this.owners.ownedBy(agent.clientId, agent.id));
    for (const c of this.checks.values()) if (c.clientId === agent.clientId && c.agentId === agent.id) ids.add(c.checkId);
    await this.releaseChecks(agent.clientId, [...ids], agent.id);
    return [...ids].sort();
  }

  /** An admin releases a check id from whichever agent owns it; undefined when no agent does. */
  async releaseCheck(client: string, check: string): Promise<{ owner: string } | undefined> {
    const row = this.checks.get(key(client, check));
    const owner = this.owners.ownerOf(client, check) ?? (row && row.agentId !== NO_AGENT ? row.agentId : undefined);
    if (owner === undefined) return undefined;
    await this.releaseChecks(client, [check], undefined);
    return { owner };
  }

  /** Releases these ids (of agent `from` only, when given: another may have taken one meanwhile) under their locks. */
  private async releaseChecks(client: string, ids: readonly string[], from: string | undefined): Promise<void> {
    if (ids.length === 0) return;
    const events = await this.locks.run(
      ids.map((id) => key(client, id)),
      async () => {
        const now = this.clock.now();
        const plan: Plan = { rows: new Map(), transitions: [], events: [] };
        for (const id of ids) {
          if (from === undefined || this.owners.ownerOf(client, id) === from) this.owners.release(client, id);
          const k = key(client, id);
          const known = this.checks.get(k);
          if (!known || known.agentId === NO_AGENT || (from !== undefined && known.agentId !== from)) continue;
          const c = { ...known };
          const e = release(c, now, plan.transitions);
          if (e) plan.events.push(e);
          plan.rows.set(k, c);
        }
        if (plan.rows.size > 0) await this.store.checks.saveStates([...plan.rows.values()], plan.transitions);
        this.commit(plan);
        return plan.events;
      },
    );
    await this.publish(events);
  }

  /** Confirmed state of a check as the engine knows it now. */
  stateOf(client: string, check: string): MemberState {
    return this.checks.get(key(client, check))?.state ?? 'unknown';
  }

  /** The checks as the engine knows them (a snapshot, for /metrics). */
  snapshot(): CheckRow[] {
    return [...this.checks.values()];
  }

  /** Stores a batch once with the state it implies; false for a replay. Events are emitted after the commit, awaited. */
  async ingest(agent: AgentRef, seq: number, results: CheckResultSample[], metrics: MetricSample[]): Promise<boolean> {
    const { stored, events } = await this.locks.run(
      [...new Set(results.map((r) => r.checkId))].map((id) => key(agent.clientId, id)),
      async () => {
        const plan = await this.plan(agent, results);
        const ok = await this.store.checks.ingestBatch({
          agent,
          seq,
          receivedAt: this.clock.now(),
          results,
          metrics,
          checks: [...plan.rows.values()],
          transitions: plan.transitions,
          ...(plan.retract?.length ? { retractInferred: plan.retract } : {}),
          ...(plan.degraded ? { degraded: plan.degraded } : {}),
        });
        if (ok) this.commit(plan, agent.clientId);
        return { stored: ok, events: ok ? plan.events : [] };
      },
    );
    if (events.length > 0) await this.publish(events);
    return stored;
  }

  private async plan(agent: AgentRef, results: CheckResultSample[]): Promise<Plan> {
    const retract: NonNullable<Plan['retract']> = [];
    const plan: Plan = { rows: new Map(), transitions: [], events: [], retract, degraded: { opened: [], closed: [] } };
    const sorted = results.length > 1 ? [...results].sort((a, b) => a.ts - b.ts) : results;
    const resume = await this.resumePointsOf(agent.clientId, sorted);
    const replayed = new Map<string, { row: CheckRow; seen: MemberState; from: MemberState; at: number }>();
    const owners = this.owners.of(agent.clientId);
    for (const r of sorted) {
      // ingest claimed the id or refused the sample; another agent owns it only if the id was released and taken meanwhile
      const owner = owners.get(r.checkId);
      if (owner === undefined) {
        if (!this.owners.mayClaim(agent.id)) continue; // a batch in flight when its agent was revoked
        owners.set(r.checkId, agent.id);
      } else if (owner !== agent.id) continue; // stored, changes no state
      const k = key(agent.clientId, r.checkId);
      let c = plan.rows.get(k);
      if (!c) {
        c = draft(agent, r, this.checks.get(k));
        plan.rows.set(k, c);
        const at = resume.get(r.checkId);
        if (at) {
          // a backfill: the inferred unknown goes, and the check goes on from the state before it (the row kept that run)
          replayed.set(r.checkId, { row: c, seen: c.state, from: at.state, at: at.inferredAt });
          retract.push({ checkId: r.checkId, from: at.inferredAt });
          c.state = at.state;
          c.stateSince = at.since;
        } else if (at === null) resetRun(c); // nothing to resume from: on from unknown, afresh
      }
      c.agentId = agent.id;
      c.siteId = agent.siteId;
      c.type = r.type;
      if (r.target !== undefined) c.target = r.target;
      if (r.labels !== undefined) c.labels = r.labels;
      // older than the check's last result: stored, but the state moves forward only (measured history is not rewritten)
      if (c.lastTs !== null && r.ts < c.lastTs) continue;
      const hole = staleFrom(c, r.ts, this.opts.staleAfterIntervals);
      if (hole !== undefined) plan.events.push(transition(c, 'unknown', hole, agent, plan.transitions, this.clock.now(), 'stale')); // the sweep's verdict, had it watched
      c.lastTs = r.ts;
      c.lastStatus = r.status;
      c.lastDurationMs = r.durationMs;
      c.lastMetrics = r.metrics ?? {};
      const services = servicesWithMember(this.definitions(), agent.clientId, r.checkId, r.ts);
      const needsRecent = services.some((s) => s.thresholds?.latencyP95AboveMs !== undefined);
      // the p95 ring lives in the check row (written with it), only for checks that need it
      if (needsRecent) c.recentDurationsMs = [...c.recentDurationsMs.slice(1 - RECENT), r.durationMs];
      else if (c.recentDurationsMs.length > 0) c.recentDurationsMs = [];
      const recentDurationsMs = needsRecent ? c.recentDurationsMs : [r.durationMs];
      const { state: seen, degradedUp } = memberJudgement({ status: r.status, metrics: r.metrics ?? {}, recentDurationsMs }, services, this.opts.degradedAs);
      this.degradedRuns.step(agent.clientId, r.checkId, r.status, degradedUp, r.ts, plan.degraded!);
      const e = observe(c, seen, r.ts, this.needed, agent, plan.transitions, this.clock.now(), r.reason, r.message);
      if (e) plan.events.push(e);
    }
    const now = this.clock.now();
    for (const { row } of replayed.values()) {
      // a backfill still behind is unknown again from where its data ends: no up/unknown flapping batch after batch
      const due = staleFrom(row, now, this.opts.staleAfterIntervals);
      if (due !== undefined) plan.events.push(infer(row, due, agent, plan.transitions, now, 'stale'));
    }
    plan.events = reconcileEvents(plan.events, replayed, now);
    return plan;
  }

  /** For checks waiting in an inferred unknown that this batch brings newer results for: where their replay resumes. */
  private async resumePointsOf(client: string, sorted: readonly CheckResultSample[]): Promise<ReadonlyMap<string, ResumePoint | null>> {
    let waiting: Map<string, CheckRow & { stateSince: number; lastTs: number }> | undefined;
    for (const r of sorted) {
      const c = this.checks.get(key(client, r.checkId));
      if (awaitsBackfill(c) && r.ts >= c.lastTs) (waiting ??= new Map()).set(r.checkId, c);
    }
    return waiting ? resumePoints(this.store, client, [...waiting.values()]) : NOTHING_TO_RESUME;
  }

  commit(plan: Plan, client?: string): void {
    for (const [k, c] of plan.rows) this.checks.set(k, c);
    if (client !== undefined && plan.degraded) this.degradedRuns.apply(client, plan.degraded);
  }

  /** Periodic sweep: stale checks and lost agents go unknown (sweeper.ts). */
  sweep(): Promise<void> {
    return sweepChecks(this);
  }

  /** A heartbeat: its check catalogue is stored (the ids this agent owns or takes now), the agent is seen, and an unreachable agent is back. */
  async heartbeat(agent: AgentRow, listed: readonly CheckDescriptor[], intervalMs: number): Promise<void> {
    const now = this.clock.now();
    const back = await this.locks.run([`agent\u0000${agent.id}`, ...listed.map((d) => key(agent.clientId, d.id))], async () => {
      const owners = this.owners.of(agent.clientId);
      const catalogue = listed.filter((d) => {
        const owner = owners.get(d.id);
        if (owner !== undefined) return owner === agent.id;
        if (!this.owners.mayClaim(agent.id)) return false;
        owners.set(d.id, agent.id);
        return true;
      });
      await this.store.checks.describe(agent, catalogue);
      for (const d of catalogue) {
        const k = key(agent.clientId, d.id);
        const known = this.checks.get(k);
        const c: CheckRow = known ? { ...known } : newCheck(agent, d.id, d.type);
        Object.assign(c, {
          agentId: agent.id,
          siteId: agent.siteId,
          type: d.type,
          target: d.target ?? null,
          labels: d.labels ?? {},
          intervalMs: Math.round(d.intervalSeconds * 1000),
          timeoutMs: Math.round(d.timeoutSeconds * 1000),
        });
        this.checks.set(k, c);
      }
      await this.store.agents.touch(agent.id, now, intervalMs);
      const fresh = await this.store.agents.get(agent.id);
      if (!fresh || fresh.reachable) return undefined;
      await this.store.agents.setReachable(agent.id, true);
      const checks = [...this.checks.values()].filter((c) => c.clientId === agent.clientId && c.agentId === agent.id).map((c) => c.checkId);
      return {
        client: agent.clientId,
        site: agent.siteId,
        agentId: agent.id,
        reachable: true,
        ts: now,
        detectedAt: now,
        checks,
      } satisfies AgentReachabilityEvent;
    });
    if (back) await this.publish([], [back]);
  }

  /** Emits check and reachability events, then the service transitions they cause (publisher.ts). */
  publish(events: readonly CheckTransitionEvent[], reach: readonly AgentReachabilityEvent[] = []): Promise<void> {
    return this.publisher.publish(events, reach);
  }

  /** Resolves when all work queued now (batches, sweeps, publications) is done. */
  async idle(): Promise<void> {
    await this.locks.idle();
    await this.publisher.idle();
  }
}
