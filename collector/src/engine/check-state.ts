import type { CheckResultSample } from '../../../shared/protocol/v1/batch.js';
import type { MemberState } from '../../../shared/sla/types.js';
import { type AgentRow, type CheckRow, NO_AGENT, type TransitionRow } from '../store/types.js';
import type { CheckTransitionEvent } from './events.js';

/**
 * One check's confirmed state, changed in place on a draft row: a new state is confirmed
 * after N consecutive results, dated at the first of them; what the engine infers from
 * missing data (`stale`, `agent-unreachable`) is an unknown dated after the last result.
 */

type AgentRef = Pick<AgentRow, 'id' | 'clientId' | 'siteId'>;
type Site = Pick<AgentRow, 'id' | 'siteId'>;

/** A check the collector has not seen before: unknown until results confirm a state. */
/** A copy to plan on: the engine's row is replaced only once the batch is committed. */
export function draft(agent: AgentRef, r: CheckResultSample, known: CheckRow | undefined): CheckRow {
  if (known) return { ...known, labels: { ...known.labels }, lastMetrics: { ...known.lastMetrics } };
  return { ...newCheck(agent, r.checkId, r.type), target: r.target ?? null, labels: r.labels ?? {} };
}

export function newCheck(agent: AgentRef, checkId: string, type: string): CheckRow {
  return {
    clientId: agent.clientId,
    checkId,
    agentId: agent.id,
    siteId: agent.siteId,
    type,
    target: null,
    labels: {},
    intervalMs: null,
    timeoutMs: null,
    lastTs: null,
    lastStatus: null,
    lastDurationMs: null,
    lastMetrics: {},
    state: 'unknown',
    stateSince: null,
    runStatus: null,
    runCount: 0,
    runStart: null,
    recentDurationsMs: [],
  };
}

export function resetRun(c: CheckRow): void {
  c.runStatus = null;
  c.runCount = 0;
  c.runStart = null;
}

/** Moves the check to `to` from `ts`: the transition row goes to `out`, the event is returned. */
export function transition(
  c: CheckRow,
  to: MemberState,
  ts: number,
  agent: Site,
  out: TransitionRow[],
  detectedAt: number,
  reason?: string,
  message?: string,
): CheckTransitionEvent {
  const from = c.state;
  c.state = to;
  c.stateSince = ts;
  resetRun(c);
  out.push({ clientId: c.clientId, checkId: c.checkId, ts, state: to, detectedAt, reason: reason ?? null });
  return {
    client: c.clientId,
    site: agent.siteId,
    agentId: agent.id,
    check: c.checkId,
    from,
    to,
    ts,
    detectedAt,
    ...(reason ? { reason } : {}),
    ...(message ? { message } : {}),
  };
}

/** One result judged `seen` at `ts`: a transition once `needed` results in a row say so. */
export function observe(
  c: CheckRow,
  seen: MemberState,
  ts: number,
  needed: { down: number; up: number },
  agent: Site,
  out: TransitionRow[],
  detectedAt: number,
  reason?: string,
  message?: string,
): CheckTransitionEvent | undefined {
  if (seen === c.state) {
    resetRun(c);
    return undefined;
  }
  if (c.runStatus === seen) c.runCount++;
  else {
    c.runStatus = seen;
    c.runCount = 1;
    c.runStart = ts;
  }
  if (c.runCount < (seen === 'down' ? needed.down : needed.up)) return undefined;
  const e = transition(c, seen, c.runStart ?? ts, agent, out, detectedAt, reason, message);
  if (e.ts !== ts) e.instant = ts; // confirmed by the result at `ts`: what else that result changed is judged with it
  return e;
}

/**
 * An inferred unknown, dated after the last result (real data wins). The row keeps the
 * confirmation run it had, so a backfill of the missing results resumes from it (late-results.ts).
 */
export function infer(c: CheckRow, ts: number, agent: Site, out: TransitionRow[], detectedAt: number, reason: 'stale' | 'agent-unreachable') {
  const run = { runStatus: c.runStatus, runCount: c.runCount, runStart: c.runStart };
  const e = transition(c, 'unknown', c.lastTs === null ? ts : Math.max(ts, c.lastTs + 1), agent, out, detectedAt, reason);
  Object.assign(c, run);
  return e;
}

/** When a check with no result until `at` went stale (from when its next result was due); undefined if it did not. */
export function staleFrom(c: CheckRow, at: number, staleAfterIntervals: number): number | undefined {
  if (c.state === 'unknown' || c.lastTs === null || c.intervalMs === null) return undefined;
  return at - c.lastTs > staleAfterIntervals * c.intervalMs ? c.lastTs + c.intervalMs : undefined;
}

/**
 * A check id its agent gave up (revoked, or released by an admin): no agent owns it, and its series
 * is unknown from `at` (reason `released`, not an inference: never retracted) until the next owner's
 * results confirm a state. Its last result time moves up to that unknown, so results dated before it
 * change no state: the next owner's history starts where this one's ends, and an inferred unknown no
 * longer waits for a backfill that cannot come.
 */
export function release(c: CheckRow, at: number, out: TransitionRow[]): CheckTransitionEvent | undefined {
  const e =
    c.state === 'unknown'
      ? undefined
      : transition(c, 'unknown', c.lastTs === null ? at : Math.max(at, c.lastTs + 1), { id: c.agentId, siteId: c.siteId }, out, at, 'released');
  resetRun(c);
  if (c.stateSince !== null && (c.lastTs === null || c.stateSince > c.lastTs)) c.lastTs = c.stateSince;
  c.agentId = NO_AGENT;
  return e;
}
