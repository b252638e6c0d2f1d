import { downThreshold, evaluateServiceState } from './quorum.js';
import type { DowntimeRule, Interval, MemberState, Transition } from './types.js';

export interface ServiceTimeline {
  down: Interval[];
  unknown: Interval[];
}

/**
 * Service-level down and unknown intervals within `window`, by a sweep over all
 * members' change points (O(n log n) in transitions, never per second). A member's
 * state is its last transition at or before t; before its first one it is unknown.
 * Transitions before window.start only set the initial state.
 */
export function serviceTimeline(rule: DowntimeRule, members: readonly string[], transitions: readonly Transition[], window: Interval): ServiceTimeline {
  const index = new Map<string, number>();
  members.forEach((m, i) => index.set(m, i));
  const relevant = transitions.filter((t) => index.has(t.check) && t.ts < window.end).sort((a, b) => a.ts - b.ts);
  const states: MemberState[] = members.map(() => 'unknown');
  let down = 0;
  let unknown = members.length;
  const threshold = downThreshold(rule, members.length);
  const apply = (t: Transition): void => {
    const i = index.get(t.check)!;
    const prev = states[i]!;
    if (prev === t.state) return;
    if (prev === 'down') down--;
    else if (prev === 'unknown') unknown--;
    if (t.state === 'down') down++;
    else if (t.state === 'unknown') unknown++;
    states[i] = t.state;
  };
  let k = 0;
  while (k < relevant.length && relevant[k]!.ts <= window.start) apply(relevant[k++]!);
  const out: ServiceTimeline = { down: [], unknown: [] };
  let cur = evaluateServiceState(down, unknown, threshold);
  let since = window.start;
  const close = (end: number): void => {
    if (end <= since) return;
    if (cur === 'down') push(out.down, since, end);
    else if (cur === 'unknown') push(out.unknown, since, end);
  };
  while (k < relevant.length) {
    const ts = relevant[k]!.ts;
    while (k < relevant.length && relevant[k]!.ts === ts) apply(relevant[k++]!);
    const next = evaluateServiceState(down, unknown, threshold);
    if (next !== cur) {
      close(ts);
      cur = next;
      since = ts;
    }
  }
  close(window.end);
  return out;
}

function push(list: Interval[], start: number, end: number): void {
  const last = list[list.length - 1];
  if (last && last.end === start) last.end = end;
  else list.push({ start, end });
}

/** Drop down runs shorter than minDuration (they count as up). Runs still open at `openEnd` are judged by their length so far. */
export function applyMinDuration(down: readonly Interval[], minDurationMs: number): Interval[] {
  if (minDurationMs <= 0) return down.slice();
  return down.filter((i) => i.end - i.start >= minDurationMs);
}
