import { DateTime } from 'luxon';
import { normalize } from './intervals.js';
import { localToMillis } from './local-time.js';
import type { BusinessHours, Interval } from './types.js';

const WEEKDAY: Record<string, number> = { mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6, sun: 7 };

/** Minutes after local midnight for "HH:MM" ("24:00" allowed as end of day). */
export function parseClock(text: string): number | undefined {
  const m = /^([01]\d|2[0-4]):([0-5]\d)$/.exec(text);
  if (!m) return undefined;
  const minutes = Number(m[1]) * 60 + Number(m[2]);
  return minutes <= 24 * 60 ? minutes : undefined;
}

/** The in-scope instants of business hours inside `window`, in the client's zone (DST-correct). */
export function businessIntervals(bh: BusinessHours, timezone: string, window: Interval): Interval[] {
  const days = new Set(bh.days.map((d) => WEEKDAY[d]));
  const from = parseClock(bh.from) ?? 0;
  const to = parseClock(bh.to) ?? 24 * 60;
  const out: Interval[] = [];
  let day = DateTime.fromMillis(window.start, { zone: timezone }).startOf('day');
  const last = DateTime.fromMillis(window.end, { zone: timezone });
  while (day <= last) {
    if (days.has(day.weekday)) {
      const ymd = { year: day.year, month: day.month, day: day.day };
      const start = localToMillis({ ...ymd, hour: Math.floor(from / 60), minute: from % 60 }, timezone);
      const end = to >= 24 * 60 ? day.plus({ days: 1 }).toMillis() : localToMillis({ ...ymd, hour: Math.floor(to / 60), minute: to % 60 }, timezone);
      const s = Math.max(start, window.start);
      const e = Math.min(end, window.end);
      if (e > s) out.push({ start: s, end: e });
    }
    day = day.plus({ days: 1 });
  }
  return normalize(out);
}
