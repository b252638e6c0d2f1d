import { DateTime, type DateObjectUnits, Info } from 'luxon';

const SPAN = 15 * 3_600_000;

/**
 * A local wall-clock time in `zone` as an instant. Ambiguous times (the repeated hour
 * when clocks go back) take the FIRST occurrence, as RFC 5545 says; times in the gap
 * when clocks go forward move forward by the gap (02:30 → 03:30), as luxon does.
 *
 * Resolved here rather than by DateTime.fromObject: luxon starts from the zone's offset at
 * the current instant, so which occurrence of an ambiguous time it picks depends on the date
 * the code runs (and "minus one hour" only repairs one-hour shifts, not Lord Howe's 30 min).
 * Every instant showing the wall time lies within ±14 h of the wall time read as UTC, so the
 * offsets in force 15 h either side (and at it) give every candidate.
 */
export function localToMillis(fields: DateObjectUnits, zone: string): number {
  const z = Info.normalizeZone(zone);
  const wall = Date.UTC(
    fields.year ?? 1970,
    (fields.month ?? 1) - 1,
    fields.day ?? 1,
    fields.hour ?? 0,
    fields.minute ?? 0,
    fields.second ?? 0,
    fields.millisecond ?? 0,
  );
  if (!z.isValid || !Number.isFinite(wall)) return NaN;
  const offsets = [z.offset(wall - SPAN), z.offset(wall), z.offset(wall + SPAN)];
  let first = NaN;
  for (const o of offsets) {
    const t = wall - o * 60_000;
    if (z.offset(t) === o && !(t >= first)) first = t;
  }
  // In a gap no offset fits: use the earlier (smaller) offset, which moves the time forward by the gap.
  return Number.isNaN(first) ? wall - Math.min(...offsets) * 60_000 : first;
}

/** `2026-10-25T02:00` in `zone`, with the same rules. Returns NaN when it is not a date-time. */
export function localIsoToMillis(text: string, zone: string): number {
  const dt = DateTime.fromISO(text, { zone });
  if (!dt.isValid) return NaN;
  return localToMillis({ year: dt.year, month: dt.month, day: dt.day, hour: dt.hour, minute: dt.minute, second: dt.second }, zone);
}
