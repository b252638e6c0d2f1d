import { DateTime, IANAZone } from 'luxon';
import rrulePkg from 'rrule';
import { normalize } from './intervals.js';
import { localIsoToMillis, localToMillis } from './local-time.js';
import type { Interval, MaintenanceEntry, ServiceDefinition } from './types.js';

const { RRule } = rrulePkg;
type RuleOptions = ReturnType<typeof RRule.parseString>;

const DAY = 86_400_000;
/** A rule without DTSTART starts here, a Monday 00:00 in the rule's zone: its INTERVAL phase is then fixed. */
const DEFAULT_START = Date.UTC(2000, 0, 3);
/** Floating time has no DST, so these periods have a fixed length. */
const FIXED_PERIOD_MS: Partial<Record<number, number>> = {
  [RRule.WEEKLY]: 7 * DAY,
  [RRule.DAILY]: DAY,
  [RRule.HOURLY]: 3_600_000,
  [RRule.MINUTELY]: 60_000,
  [RRule.SECONDLY]: 1000,
};

/**
 * Maintenance windows as instants: a pure function of the entries, the definition's zone and
 * the window, whatever the process's TZ or the current date (issue 15).
 *
 * Every rule has a zone: `DTSTART;TZID=America/New_York:…` → that zone, `DTSTART:…Z` → UTC,
 * a floating `DTSTART:…` or no DTSTART → the definition's zone. The rrule library is only ever
 * given floating times (UTC fields standing for wall-clock fields) and never a tzid — its tzid
 * support converts through the process's zone — so it does pure calendar arithmetic. Each
 * occurrence's wall-clock fields are then placed in the rule's zone with localToMillis, so a
 * weekly 22:00 window stays at 22:00 local across DST. DST is resolved deterministically (RFC
 * 5545 §3.3.5): an ambiguous wall time (clocks go back) is its first occurrence; one in the
 * spring-forward gap moves forward by the gap (02:30 → 03:30). A UTC UNTIL (…Z) is an instant
 * and ends the series there (inclusive); a floating UNTIL is wall time in the rule's zone.
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

/** A maintenance rule as read from its text. */
export interface MaintenanceRule {
  /** The RRULE's parts; a UTC UNTIL has been moved to `untilMs`. */
  options: RuleOptions;
  /** DTSTART's wall-clock fields as a floating Date; without DTSTART, 2000-01-03T00:00. */
  dtstart: Date;
  /** The zone its times are in: 'UTC', a TZID, or undefined for the definition's zone. */
  zone?: string;
  /** A UTC UNTIL as an instant (inclusive). */
  untilMs?: number;
}

const DTSTART = /^DTSTART(?:;TZID=([^:;]+))?:(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})(Z?)$/i;
const UTC_UNTIL = /(?:^|;)UNTIL=\d{8}(?:T\d{6})?Z(?:;|$)/i;

/**
 * Reads and validates a maintenance rule: one RRULE (with or without `RRULE:`), optionally
 * preceded by one DTSTART, on separate lines (or separated by blanks: YAML's folded `>`).
 * Throws an Error a person can act on for anything else: a DTSTART rrule cannot read would
 * otherwise make it start at the current time.
 */
export function parseRule(text: string): MaintenanceRule {
  const rule = readRule(text);
  inFloatingTime(rule, rule.dtstart); // let rrule check the parts now, at validation, not at report time
  return rule;
}

function readRule(text: string): MaintenanceRule {
  let start: RegExpExecArray | undefined;
  let body: string | undefined;
  for (const part of text.trim().split(/\s+/)) {
    if (/^DTSTART[;:]/i.test(part)) {
      if (start) throw new Error('more than one DTSTART');
      const m = DTSTART.exec(part);
      if (!m) {
        throw new Error(
          `cannot read "${part}": write DTSTART:20260103T220000 (the definition's zone), DTSTART:20260103T220000Z (UTC) or DTSTART;TZID=America/New_York:20260103T220000`,
        );
      }
      start = m;
    } else {
      if (body !== undefined) throw new Error('only one RRULE (and an optional DTSTART before it) is supported');
      body = part.replace(/^RRULE:/i, '');
      if (/^[A-Z-]+[:;]/i.test(body)) throw new Error(`unsupported "${part}": only DTSTART and one RRULE`);
      if (/(?:^|;)(?:DTSTART|TZID)=/i.test(body)) throw new Error('give DTSTART (and its TZID) as a DTSTART line before the RRULE, not inside it');
    }
  }
  if (body === undefined) throw new Error('no RRULE (e.g. FREQ=WEEKLY;BYDAY=SU;BYHOUR=2)');
  const options = RRule.parseString(body);
  if (options.count != null && !start) throw new Error('COUNT needs a DTSTART to count from');
  const rule: MaintenanceRule = { options, dtstart: new Date(DEFAULT_START) };
  if (UTC_UNTIL.test(body) && options.until) {
    rule.untilMs = options.until.getTime();
    options.until = null;
  }
  if (start) {
    const tzid = start[1];
    const [y, mo, d, h, mi, sec] = start.slice(2, 8).map(Number) as [number, number, number, number, number, number];
    const dtstart = new Date(Date.UTC(y, mo - 1, d, h, mi, sec));
    if (dtstart.getUTCMonth() !== mo - 1 || dtstart.getUTCDate() !== d || h > 23 || mi > 59 || sec > 59) {
      throw new Error(`DTSTART ${start.slice(2, 5).join('')}T${start.slice(5, 8).join('')} is not a date-time`);
    }
    rule.dtstart = dtstart;
    if (tzid !== undefined && start[8]) throw new Error('DTSTART has both a TZID and a Z (UTC): give one');
    if (tzid !== undefined && !IANAZone.isValidZone(tzid)) throw new Error(`unknown IANA time zone "${tzid}" in TZID`);
    if (tzid !== undefined) rule.zone = tzid;
    else if (start[8]) rule.zone = 'UTC';
  }
  return rule;
}

function inFloatingTime(rule: MaintenanceRule, from: Date): InstanceType<typeof RRule> {
  return new RRule({ ...rule.options, dtstart: startNear(rule, from), tzid: null });
}

/**
 * DTSTART moved forward by whole INTERVALs to before `from`: the same occurrences from `from`
 * on (the phase is kept), without iterating from DTSTART each time (from 2000, a DAILY rule
 * would cost thousands of steps per call). Not with COUNT, which counts from DTSTART; months
 * and years only from a day ≤ 28, which every month has.
 */
function startNear(rule: MaintenanceRule, from: Date): Date {
  const start = rule.dtstart;
  const { freq, interval, count } = rule.options;
  const every = interval ?? 1;
  if (count != null || freq === undefined || start.getTime() >= from.getTime()) return start;
  const period = FIXED_PERIOD_MS[freq];
  if (period !== undefined) {
    const n = Math.floor((from.getTime() - start.getTime()) / (period * every)) - 1;
    return n > 0 ? new Date(start.getTime() + n * period * every) : start;
  }
  if ((freq === RRule.MONTHLY || freq === RRule.YEARLY) && start.getUTCDate() <= 28) {
    const months = freq === RRule.MONTHLY ? every : 12 * every;
    const n = Math.floor(((from.getUTCFullYear() - start.getUTCFullYear()) * 12 + from.getUTCMonth() - start.getUTCMonth()) / months) - 1;
    if (n > 0) {
      const moved = new Date(start.getTime());
      moved.setUTCMonth(moved.getUTCMonth() + n * months);
      return moved;
    }
  }
  return start;
}

/** The wall-clock fields of instant `ms` in `zone`, as a floating Date. */
function floating(ms: number, zone: string): Date {
  const local = DateTime.fromMillis(ms, { zone });
  return new Date(Date.UTC(local.year, local.month - 1, local.day, local.hour, local.minute, local.second));
}

function expandRule(text: string, durationMs: number, timezone: string, window: Interval): Interval[] {
  const rule = readRule(text);
  const zone = rule.zone ?? timezone;
  // Widen by a day plus the duration: DST offsets and windows that start before the period.
  const from = floating(window.start - durationMs - DAY, zone);
  const to = floating(window.end + DAY, zone);
  const out: Interval[] = [];
  for (const occ of inFloatingTime(rule, from).between(from, to, true)) {
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
    if (rule.untilMs !== undefined && start > rule.untilMs) continue;
    if (start < window.end && start + durationMs > window.start) out.push({ start, end: start + durationMs });
  }
  return out;
}

/** Is `ts` inside one of the service's maintenance windows? (Notifications are muted then.) */
export function isInMaintenance(service: Pick<ServiceDefinition, 'maintenance'>, timezone: string, ts: number): boolean {
  const list = maintenanceIntervals(service.maintenance, timezone, { start: ts, end: ts + 1 });
  return list.some((i) => i.start <= ts && ts < i.end);
}
