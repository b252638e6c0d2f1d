import { DateTime } from 'luxon';
import rrulePkg from 'rrule';
import { normalize } from './intervals.js';
import { localIsoToMillis, localToMillis } from './local-time.js';
import type { Interval, MaintenanceEntry, ServiceDefinition } from './types.js';

const { RRule, rrulestr } = rrulePkg;

/**
 * Maintenance windows as instants. Local times are wall-clock times in the client's
 * zone: a 02:00 weekly window stays at 02:00 local across DST. RRULEs are expanded in
 * "floating" time (UTC fields standing for local fields), then each occurrence's local
 * fields are placed in the zone with luxon.
 */
export function maintenanceIntervals(entries: readonly MaintenanceEntry[], timezone: string, window: Interval): Interval[] {
  const out: Interval[] = [];
  for (const e of entries) {
    if ('rrule' in e) out.push(...expandRule(e.rrule, e.durationMs, timezone, window));
    else {
      const start = localIsoToMillis(e.start, timezone);
      if (start < window.end && start + e.durationMs > window.start) out.push({ start, end: start + e.durationMs });
    }
  }
  return normalize(out);
}

/**
 * Parses an RRULE (with or without DTSTART) into a rule in floating local time; throws on
 * invalid input. Without DTSTART the rule is anchored at `anchor` (a Monday 00:00 shortly
 * before the window): expanding from year 2000 each time would cost thousands of steps.
 * A rule with INTERVAL > 1 should therefore carry its own DTSTART to fix its phase.
 */
export function parseRule(text: string, anchor = new Date(Date.UTC(2000, 0, 3))): InstanceType<typeof RRule> {
  const hasStart = /DTSTART/i.test(text);
  const body = text.replace(/^RRULE:/i, '');
  const stamp = anchor
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
  const rule = hasStart ? rrulestr(text) : rrulestr(`DTSTART:${stamp}\nRRULE:${body}`);
  if (!(rule instanceof RRule)) throw new Error('only a single RRULE is supported');
  return rule;
}

function floating(ms: number, zone: string): Date {
  const local = DateTime.fromMillis(ms, { zone });
  return new Date(Date.UTC(local.year, local.month - 1, local.day, local.hour, local.minute, local.second));
}

function expandRule(text: string, durationMs: number, zone: string, window: Interval): Interval[] {
  // Widen by a day plus the duration: DST offsets and windows that start before the period.
  const from = floating(window.start - durationMs - 86_400_000, zone);
  const monday = new Date(Date.UTC(from.getUTCFullYear(), from.getUTCMonth(), from.getUTCDate() - ((from.getUTCDay() + 6) % 7) - 7));
  const rule = parseRule(text, monday);
  const to = floating(window.end + 86_400_000, zone);
  const out: Interval[] = [];
  for (const occ of rule.between(from, to, true)) {
    const start = localToMillis(
      {
        year: occ.getUTCFullYear(),
        month: occ.getUTCMonth() + 1,
        day: occ.getUTCDate(),
        hour: occ.getUTCHours(),
        minute: occ.getUTCMinutes(),
        second: occ.getUTCSeconds(),
      },
      zone,
    );
    if (start < window.end && start + durationMs > window.start) out.push({ start, end: start + durationMs });
  }
  return out;
}

/** Is `ts` inside one of the service's maintenance windows? (Notifications are muted then.) */
export function isInMaintenance(service: Pick<ServiceDefinition, 'maintenance'>, timezone: string, ts: number): boolean {
  const list = maintenanceIntervals(service.maintenance, timezone, { start: ts, end: ts + 1 });
  return list.some((i) => i.start <= ts && ts < i.end);
}
