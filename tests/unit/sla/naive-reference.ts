import { DateTime } from 'luxon';
import type { MemberState, Transition, UnknownPolicy } from '../../../shared/sla/types.js';

/**
 * Deliberately naive reference: walks every second, asks each member's state by a
 * linear scan, and applies quorum, maintenance, business hours, minDuration and the
 * unknown policy with its own simple code. Slow on purpose; shares nothing with the engine.
 */
export interface NaiveService {
  members: string[];
  /** members down needed (already resolved from count or percent) */
  threshold: number;
  minDurationS: number;
  unknown: UnknownPolicy;
  timezone: string;
  /** one-off windows as [startMs, endMs) */
  oneOff: Array<[number, number]>;
  /** daily windows at local HH:MM for durationMin minutes (a FREQ=DAILY;BYHOUR;BYMINUTE rule) */
  daily: Array<{ hour: number; minute: number; durationMin: number }>;
  businessHours?: { days: number[]; fromMin: number; toMin: number };
}

export interface NaiveFigures {
  measuredSeconds: number;
  downtimeSeconds: number;
  unknownSeconds: number;
  maintenanceSeconds: number;
}

function stateAt(transitions: Transition[], check: string, t: number): MemberState {
  let s: MemberState = 'unknown';
  for (const tr of transitions) if (tr.check === check && tr.ts <= t) s = tr.state;
  return s;
}

export function naiveFigures(svc: NaiveService, transitions: Transition[], fromMs: number, startMs: number, endMs: number): NaiveFigures {
  const sorted = [...transitions].sort((a, b) => a.ts - b.ts);
  // raw service state per second from `fromMs` (to know runs that began before the period)
  const raw: MemberState[] = [];
  for (let t = fromMs; t < endMs; t += 1000) {
    let down = 0;
    let unknown = 0;
    for (const m of svc.members) {
      const s = stateAt(sorted, m, t);
      if (s === 'down') down++;
      if (s === 'unknown') unknown++;
    }
    raw.push(down >= svc.threshold ? 'down' : down + unknown >= svc.threshold ? 'unknown' : 'up');
  }
  // minDuration: down runs shorter than it count as up
  const counted = raw.slice();
  for (let i = 0; i < raw.length; ) {
    if (raw[i] !== 'down') {
      i++;
      continue;
    }
    let j = i;
    while (j < raw.length && raw[j] === 'down') j++;
    if (j - i < svc.minDurationS) for (let k = i; k < j; k++) counted[k] = 'up';
    i = j;
  }
  const out: NaiveFigures = { measuredSeconds: 0, downtimeSeconds: 0, unknownSeconds: 0, maintenanceSeconds: 0 };
  let cacheMinute = -1;
  const occurrences = new Map<string, number>();
  let local = DateTime.fromMillis(startMs, { zone: svc.timezone });
  // today's and yesterday's local day (a daily window may cross midnight), looked up once a minute
  let days: Array<{ day: DateTime; iso: string }> = [];
  for (let t = startMs; t < endMs; t += 1000) {
    const minute = Math.floor(t / 60000);
    if (minute !== cacheMinute) {
      local = DateTime.fromMillis(t, { zone: svc.timezone });
      days = [0, -1].map((dayOffset) => {
        const day = local.startOf('day').plus({ days: dayOffset });
        return { day, iso: day.toISODate() ?? '' };
      });
      cacheMinute = minute;
    }
    const minOfDay = local.hour * 60 + local.minute;
    if (svc.businessHours) {
      const bh = svc.businessHours;
      if (!bh.days.includes(local.weekday) || minOfDay < bh.fromMin || minOfDay >= bh.toMin) continue;
    }
    let inMaint = svc.oneOff.some(([s, e]) => t >= s && t < e);
    for (const d of svc.daily) {
      // local wall-clock window, possibly crossing midnight; checks today's and yesterday's occurrence
      for (const { day, iso } of days) {
        const key = `${iso}T${d.hour}:${d.minute}`;
        let s = occurrences.get(key);
        if (s === undefined) occurrences.set(key, (s = firstOccurrence(day.year, day.month, day.day, d.hour, d.minute, svc.timezone)));
        if (t >= s && t < s + d.durationMin * 60000) inMaint = true;
      }
    }
    if (inMaint) {
      out.maintenanceSeconds++;
      continue;
    }
    const st = counted[(t - fromMs) / 1000]!;
    if (st === 'unknown') {
      out.unknownSeconds++;
      if (svc.unknown === 'exclude') continue;
      out.measuredSeconds++;
      if (svc.unknown === 'down') out.downtimeSeconds++;
      continue;
    }
    out.measuredSeconds++;
    if (st === 'down') out.downtimeSeconds++;
  }
  return out;
}

/** Independent resolution of a local time: scan every minute of the local day for the first instant showing it. */
export function firstOccurrence(year: number, month: number, day: number, hour: number, minute: number, zone: string): number {
  const base = Date.UTC(year, month - 1, day) - 16 * 3600_000;
  for (let t = base; t < base + 48 * 3600_000; t += 60_000) {
    const l = DateTime.fromMillis(t, { zone });
    if (l.year === year && l.month === month && l.day === day && l.hour === hour && l.minute === minute) return t;
  }
  // in a spring-forward gap: the wall time does not exist; it moves forward by the gap
  return DateTime.fromObject({ year, month, day, hour, minute }, { zone }).toMillis();
}
