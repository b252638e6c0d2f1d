import type { MemberState, Transition } from '../../../shared/sla/types.js';
import type { CheckRow, Store } from '../store/types.js';
import type { CheckTransitionEvent } from './events.js';

/**
 * Late results and the unknowns the engine inferred meanwhile. The rule: real data wins over
 * inferred data, and measured history is never rewritten.
 *
 * - When results stop, the sweep infers `unknown` (reason `stale` or `agent-unreachable`),
 *   dated after the check's last result. The row keeps the confirmation run it had then.
 * - A result newer than the check's last one, arriving while it waits in that unknown, is a
 *   backfill: the inferred unknown is retracted (deleted in the batch's transaction) and the
 *   check is replayed from the confirmed state before it, with that run, in time order — as
 *   if the results had come on time. A hole the backfill leaves (no result for
 *   staleAfterIntervals × interval) is inferred `stale` again, where the sweep would have put it.
 * - A result older than the check's last result is stored, and changes no state.
 */

/** Where a replay resumes: the confirmed state before the inferred unknown, since when, and the unknown's ts. */
export interface ResumePoint {
  state: MemberState;
  since: number;
  inferredAt: number;
}

type Waiting = CheckRow & { stateSince: number; lastTs: number };

/** A check in an unknown the engine inferred, with no result applied since: measured states are never unknown, and inferences are dated after the last result. */
export function awaitsBackfill(c: CheckRow | undefined): c is Waiting {
  return c !== undefined && c.state === 'unknown' && c.stateSince !== null && c.lastTs !== null && c.stateSince > c.lastTs;
}

/** Where each waiting check resumes (null: no confirmed state before the unknown to resume from); one store read for all. */
export async function resumePoints(store: Store, client: string, waiting: readonly Waiting[]): Promise<Map<string, ResumePoint | null>> {
  const out = new Map<string, ResumePoint | null>();
  if (waiting.length === 0) return out;
  let from = Number.POSITIVE_INFINITY;
  let to = Number.NEGATIVE_INFINITY;
  for (const c of waiting) {
    from = Math.min(from, c.stateSince);
    to = Math.max(to, c.stateSince + 1);
  }
  const history = await store.checks.transitionsFor(
    client,
    waiting.map((c) => c.checkId),
    from,
    to,
  );
  const before = new Map<string, Transition>();
  for (const c of waiting) {
    for (const t of history) if (t.check === c.checkId && t.ts < c.stateSince) before.set(c.checkId, t); // by ts, then insertion order
    const t = before.get(c.checkId);
    out.set(c.checkId, t ? { state: t.state, since: t.ts, inferredAt: c.stateSince } : null);
  }
  return out;
}

/**
 * Listeners saw the replayed checks go unknown, while the replay ran from the state before. So
 * each replayed check first gets an event restoring that state (dated at the retracted unknown),
 * then the replay's own events follow as they are: every listener (the service tracker, which
 * evaluates events in order) sees the history the on-time results would have shown.
 */
export function reconcileEvents(
  events: readonly CheckTransitionEvent[],
  replayed: ReadonlyMap<string, { row: CheckRow; seen: MemberState; from: MemberState; at: number }>,
  detectedAt: number,
): CheckTransitionEvent[] {
  const restored: CheckTransitionEvent[] = [];
  for (const [check, r] of replayed) {
    if (r.seen === r.from) continue;
    restored.push({
      client: r.row.clientId,
      site: r.row.siteId,
      agentId: r.row.agentId,
      check,
      from: r.seen,
      to: r.from,
      ts: r.at,
      detectedAt,
      reason: 'late-results',
    });
  }
  return restored.length === 0 ? [...events] : [...restored, ...events];
}
