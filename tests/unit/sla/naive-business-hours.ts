import { DateTime } from 'luxon';
import type { Interval, Transition } from '../../../shared/sla/types.js';

/**
 * Deliberately naive reference for business hours (list of ranges, ranges past midnight, DST).
 * Shares nothing with shared/sla/business-hours.ts: it walks the local calendar with luxon,
 * finds each range end by scanning every minute for the first instant whose local clock shows
 * that date and time or later, and decides membership second by second.
 */
export interface NaiveRange {
  /** ISO weekdays, 1 = Monday … 7 = Sunday: the days the range STARTS on */
  days: number[];
  /** minutes after local midnight; toMin ≤ fromMin runs into the next day; toMin 1440 = 24:00 */
  fromMin: number;
  toMin: number;
}

const MINUTE = 60_000;

/** First instant at which the local clock in `zone` shows (year, month, day) + `minutes` or later. */
function firstShowing(year: number, month: number, day: number, minutes: number, zone: string, cache: Map<string, number>): number {
  const target = Date.UTC(year, month - 1, day) + minutes * MINUTE;
  const key = `${zone}@${target}`;
  const hit = cache.get(key);
  if (hit !== undefined) return hit;
  // No zone is more than 14 h off UTC, so every instant before target − 15 h shows an earlier time.
  for (let t = target - 15 * 3600_000; ; t += MINUTE) {
    const l = DateTime.fromMillis(t, { zone });
    if (Date.UTC(l.year, l.month - 1, l.day, l.hour, l.minute) >= target) {
      cache.set(key, t);
      return t;
    }
  }
}

/** Every occurrence [start, end) of every range that can touch [startMs, endMs). */
export function naiveOccurrences(ranges: NaiveRange[], zone: string, startMs: number, endMs: number): Array<[number, number]> {
  const cache = new Map<string, number>();
  const out: Array<[number, number]> = [];
  let date = DateTime.fromMillis(startMs, { zone }).startOf('day').minus({ days: 1 });
  const lastDate = DateTime.fromMillis(endMs, { zone }).toISODate()!;
  for (; date.toISODate()! <= lastDate; date = date.plus({ days: 1 })) {
    for (const r of ranges) {
      if (!r.days.includes(date.weekday)) continue;
      const start = firstShowing(date.year, date.month, date.day, r.fromMin, zone, cache);
      const end = firstShowing(date.year, date.month, date.day, r.toMin > r.fromMin ? r.toMin : r.toMin + 1440, zone, cache);
      out.push([start, end]);
    }
  }
  return out;
}

/** In-scope seconds of [startMs, endMs) as maximal runs (second resolution; ranges end on whole minutes). */
export function naiveBusinessIntervals(ranges: NaiveRange[], zone: string, startMs: number, endMs: number): Interval[] {
  const occ = naiveOccurrences(ranges, zone, startMs, endMs);
  const out: Interval[] = [];
  for (let t = startMs; t < endMs; t += 1000) {
    if (!occ.some(([s, e]) => t >= s && t < e)) continue;
    const last = out[out.length - 1];
    if (last && last.end === t) last.end = t + 1000;
    else out.push({ start: t, end: t + 1000 });
  }
  return out;
}

export interface NaiveScopeFigures {
  inScopeSeconds: number;
  upSeconds: number;
  downSeconds: number;
  unknownSeconds: number;
}

/** One member's state counted second by second inside business hours (state = last transition at or before t). */
export function naiveScopeFigures(ranges: NaiveRange[], zone: string, transitions: Transition[], startMs: number, endMs: number): NaiveScopeFigures {
  const occ = naiveOccurrences(ranges, zone, startMs, endMs);
  const sorted = [...transitions].sort((a, b) => a.ts - b.ts);
  const out: NaiveScopeFigures = { inScopeSeconds: 0, upSeconds: 0, downSeconds: 0, unknownSeconds: 0 };
  for (let t = startMs; t < endMs; t += 1000) {
    if (!occ.some(([s, e]) => t >= s && t < e)) continue;
    out.inScopeSeconds++;
    let state = 'unknown';
    for (const tr of sorted) if (tr.ts <= t) state = tr.state;
    if (state === 'up') out.upSeconds++;
    else if (state === 'down') out.downSeconds++;
    else out.unknownSeconds++;
  }
  return out;
}
