import { intersect, totalMs } from './intervals.js';
import { downThreshold } from './quorum.js';
import { applyMinDuration, serviceTimeline } from './timeline.js';
import type { Interval, ServiceDefinition, Transition } from './types.js';

/** One member's down and unknown runs within a window (its state before its first transition: unknown). */
export interface MemberRuns {
  down: Interval[];
  unknown: Interval[];
}

export function memberRuns(check: string, transitions: readonly Transition[], window: Interval): MemberRuns {
  const out: MemberRuns = { down: [], unknown: [] };
  let state: Transition['state'] = 'unknown';
  let since = window.start;
  const close = (end: number) => {
    if (end <= since) return;
    if (state === 'down') out.down.push({ start: since, end });
    else if (state === 'unknown') out.unknown.push({ start: since, end });
  };
  for (const t of transitions) {
    if (t.check !== check) continue;
    if (t.ts >= window.end) break;
    if (t.ts <= window.start) {
      state = t.state;
      continue;
    }
    if (t.state === state) continue;
    close(t.ts);
    state = t.state;
    since = t.ts;
  }
  close(window.end);
  return { down: merge(out.down), unknown: merge(out.unknown) };
}

function merge(list: Interval[]): Interval[] {
  const out: Interval[] = [];
  for (const i of list) {
    const last = out[out.length - 1];
    if (last && last.end === i.start) last.end = i.end;
    else out.push({ ...i });
  }
  return out;
}

/** Why a reported down interval is downtime: the members down in it and the rule they met. */
export interface DownAttribution {
  start: number;
  end: number;
  /** Members down at some point in the interval, with their down seconds inside it; most down first. */
  members: Array<{ check: string; downSeconds: number }>;
  /** The whole service-level run this interval belongs to (it may reach past maintenance or the period). */
  run: Interval;
  /** The rule in words, e.g. "2 of 3 members down (membersDown: 2); run 18m >= minDuration 5m". */
  rule: string;
}

/**
 * For each reported down interval of a service (`reported`: the in-scope parts of counted runs, as
 * in ServiceFigures.downIntervals), which members were down and which rule made it downtime, with
 * the whole service-level run it was cut from (the timeline up to `asOf`, as the figures). Pure;
 * `transitions` sorted by ts.
 */
export function attributeDown(
  service: Pick<ServiceDefinition, 'members' | 'downtime'>,
  transitions: readonly Transition[],
  reported: readonly Interval[],
  asOf: number,
): DownAttribution[] {
  if (reported.length === 0) return [];
  const first = Math.min(transitions[0]?.ts ?? reported[0]!.start, reported[0]!.start);
  const end = Math.max(asOf, ...reported.map((r) => r.end));
  const runs = applyMinDuration(serviceTimeline(service.downtime, service.members, transitions, { start: first, end }).down, service.downtime.minDurationMs);
  const window = { start: Math.min(...reported.map((r) => r.start)), end: Math.max(...reported.map((r) => r.end)) };
  const downOf = new Map(service.members.map((m) => [m, memberRuns(m, transitions, window).down]));
  const threshold = downThreshold(service.downtime, service.members.length);
  const how =
    'membersDown' in service.downtime.when
      ? `membersDown: ${service.downtime.when.membersDown}`
      : `membersDownPercent: ${service.downtime.when.membersDownPercent}`;
  return reported.map((r) => {
    const members = service.members
      .map((check) => ({ check, downSeconds: totalMs(intersect(downOf.get(check) ?? [], [r])) / 1000 }))
      .filter((m) => m.downSeconds > 0)
      .sort((a, b) => b.downSeconds - a.downSeconds || a.check.localeCompare(b.check));
    const run = runs.find((x) => x.start <= r.start && x.end >= r.end) ?? r;
    const min = service.downtime.minDurationMs;
    const rule =
      `${threshold} of ${service.members.length} member${service.members.length === 1 ? '' : 's'} down (${how})` +
      (min > 0 ? `; run ${duration(run.end - run.start)} >= minDuration ${duration(min)}` : '');
    return { start: r.start, end: r.end, members, run: { start: run.start, end: run.end }, rule };
  });
}

/** What one member contributed to the figures: its known time and its gaps (unknown runs) in the window. */
export interface MemberCoverage {
  check: string;
  unknownSeconds: number;
  gaps: number;
  longestGapSeconds: number;
  /** Known share of the window, 0..1. */
  coverage: number;
}

export function memberCoverage(members: readonly string[], transitions: readonly Transition[], window: Interval): MemberCoverage[] {
  const len = Math.max(0, window.end - window.start);
  return members.map((check) => {
    const gaps = memberRuns(check, transitions, window).unknown;
    const unknownMs = totalMs(gaps);
    return {
      check,
      unknownSeconds: unknownMs / 1000,
      gaps: gaps.length,
      longestGapSeconds: gaps.reduce((m, g) => Math.max(m, g.end - g.start), 0) / 1000,
      coverage: len > 0 ? (len - unknownMs) / len : 0,
    };
  });
}

/** 1h 5m 3s style, for rule texts. */
function duration(ms: number): string {
  const s = Math.round(ms / 1000);
  const parts: string[] = [];
  if (s >= 86_400) parts.push(`${Math.floor(s / 86_400)}d`);
  if (s % 86_400 >= 3600) parts.push(`${Math.floor((s % 86_400) / 3600)}h`);
  if (s % 3600 >= 60) parts.push(`${Math.floor((s % 3600) / 60)}m`);
  if (s % 60 > 0 || parts.length === 0) parts.push(`${s % 60}s`);
  return parts.join(' ');
}
