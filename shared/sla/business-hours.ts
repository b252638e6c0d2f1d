import { DateTime, type Zone } from 'luxon';
import type { Problem } from '../errors.js';
import { normalize } from './intervals.js';
import type { BusinessHours, BusinessHoursRange, Interval } from './types.js';

/**
 * Business hours (issue 15): one range `{ days, from, to }` or a list of them, wall-clock time
 * in the definition's zone.
 * - A range starts at `from` on each of its `days`. It ends at `to` the same day, or, when `to` is
 *   earlier than `from`, at `to` the next day: `days` names the day a range past midnight STARTS on.
 * - Each end is the first instant at which the local clock shows that date and time or later.
 *   So a time in the repeated hour (clocks go back) is its first occurrence, as for maintenance,
 *   and a time in the skipped hour (clocks go forward) is the first instant after the gap
 *   (02:30 → 03:00 in Berlin). The night 22:00–06:00 is 7 h when clocks go forward and 9 h when
 *   they go back.
 * - Overlapping or touching ranges merge. Nothing here reads the process's TZ.
 */
const WEEKDAY: Record<string, number> = { mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6, sun: 7 };
const MINUTE = 60_000;
const DAY = 86_400_000;
const END_OF_DAY = 24 * 60;

/** Minutes after local midnight for "HH:MM" ("24:00" allowed as end of day). */
export function parseClock(text: string): number | undefined {
  const m = /^([01]\d|2[0-4]):([0-5]\d)$/.exec(text);
  if (!m) return undefined;
  const minutes = Number(m[1]) * 60 + Number(m[2]);
  return minutes <= END_OF_DAY ? minutes : undefined;
}

const rangesOf = (bh: BusinessHours): BusinessHoursRange[] => (Array.isArray(bh) ? bh : [bh]);

/** Every problem of a business-hours value (after the schema), each with its path under `path`. */
export function businessHoursProblems(bh: BusinessHours, path: string): Problem[] {
  if (Array.isArray(bh) && bh.length === 0) return [{ path, message: 'must list at least one range' }];
  const out: Problem[] = [];
  rangesOf(bh).forEach((r, i) => {
    const p = Array.isArray(bh) ? `${path}/${i}` : path;
    const from = parseClock(r.from);
    const to = parseClock(r.to);
    if (from === undefined || from === END_OF_DAY) out.push({ path: `${p}/from`, message: `"${r.from}" is not a time of day HH:MM (00:00–23:59)` });
    if (to === undefined) out.push({ path: `${p}/to`, message: `"${r.to}" is not a time of day HH:MM (00:00–24:00)` });
    if (from !== undefined && from === to) {
      out.push({ path: `${p}/to`, message: `equals from (${r.from}): the range is empty; a whole day is 00:00–24:00, a to before from runs past midnight` });
    }
  });
  return out;
}

/** The in-scope instants of business hours inside `window`, in `timezone` (DST-correct, as described above). */
export function businessIntervals(bh: BusinessHours, timezone: string, window: Interval): Interval[] {
  const zone = DateTime.fromMillis(window.start, { zone: timezone }).zone;
  if (!zone.isValid) throw new RangeError(`unknown time zone "${timezone}"`);
  const ranges = rangesOf(bh).flatMap((r) => {
    const from = parseClock(r.from);
    const to = parseClock(r.to);
    // definitions are validated (businessHoursProblems); an invalid range has no instants
    if (from === undefined || to === undefined || from === END_OF_DAY || from === to) return [];
    return [{ days: new Set(r.days.map((d) => WEEKDAY[d])), from, to: to > from ? to : to + END_OF_DAY }];
  });
  if (ranges.length === 0 || window.end <= window.start) return [];
  const out: Interval[] = [];
  // Local dates as "wall" ms (the local date-time read as if it were UTC); start a day early for ranges past midnight.
  const lastDay = localMidnightWall(window.end, zone);
  for (let day = localMidnightWall(window.start, zone) - DAY; day <= lastDay; day += DAY) {
    const weekday = ((new Date(day).getUTCDay() + 6) % 7) + 1;
    for (const r of ranges) {
      if (!r.days.has(weekday)) continue;
      const start = Math.max(window.start, firstInstantShowing(day + r.from * MINUTE, zone));
      const end = Math.min(window.end, firstInstantShowing(day + r.to * MINUTE, zone));
      if (end > start) out.push({ start, end });
    }
  }
  return normalize(out);
}

function localMidnightWall(instant: number, zone: Zone): number {
  return Math.floor((instant + zone.offset(instant) * MINUTE) / DAY) * DAY;
}

/**
 * The first instant at which the local clock shows `wall` or later. Assumes at most one offset
 * change within a day either side, true of every zone in the tz database.
 */
function firstInstantShowing(wall: number, zone: Zone): number {
  const shows = (t: number) => t + zone.offset(t) * MINUTE;
  const before = zone.offset(wall - DAY) * MINUTE;
  const after = zone.offset(wall + DAY) * MINUTE;
  const early = wall - Math.max(before, after);
  if (shows(early) === wall) return early; // the usual case, and the first of a repeated time
  const late = wall - Math.min(before, after);
  if (shows(late) === wall) return late;
  // In the gap: shows(early) < wall ≤ shows(late); find the instant the clock jumps (to the ms).
  let lo = early;
  let hi = late;
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (shows(mid) >= wall) hi = mid;
    else lo = mid;
  }
  return hi;
}
