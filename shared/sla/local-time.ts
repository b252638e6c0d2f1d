import { DateTime, type DateObjectUnits } from 'luxon';

/**
 * A local wall-clock time in `zone` as an instant. Ambiguous times (the repeated hour
 * when clocks go back) take the FIRST occurrence, as RFC 5545 says; times in the gap
 * when clocks go forward move forward by the gap (02:30 → 03:30), as luxon does.
 */
export function localToMillis(fields: DateObjectUnits, zone: string): number {
  const dt = DateTime.fromObject(fields, { zone });
  const earlier = dt.minus({ hours: 1 });
  if (earlier.hour === dt.hour && earlier.minute === dt.minute && earlier.day === dt.day) return earlier.toMillis();
  return dt.toMillis();
}

/** `2026-10-25T02:00` in `zone`, with the same rules. Returns NaN when it is not a date-time. */
export function localIsoToMillis(text: string, zone: string): number {
  const dt = DateTime.fromISO(text, { zone });
  if (!dt.isValid) return NaN;
  return localToMillis({ year: dt.year, month: dt.month, day: dt.day, hour: dt.hour, minute: dt.minute, second: dt.second }, zone);
}
