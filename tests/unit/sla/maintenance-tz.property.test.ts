import fc from 'fast-check';
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { maintenanceIntervals } from '../../../shared/sla/maintenance.js';

/**
 * A daily RRULE in the rule's own zone (TZID, Z for UTC, or floating = the definition's zone)
 * against a naive reference: each local day's HH:MM resolved by scanning instants for the first
 * that shows it. Days around each zone's 2026 DST changes, including 30 min (Lord Howe), 2 h
 * (Troll) and midnight (Santiago) shifts. Runs under several TZ in test:all.
 */
const ZONE_DAYS: Record<string, string[]> = {
  'America/New_York': ['2026-03-08', '2026-11-01'],
  'Europe/Berlin': ['2026-03-29', '2026-10-25'],
  'Australia/Lord_Howe': ['2026-04-05', '2026-10-04'],
  'Antarctica/Troll': ['2026-03-29', '2026-10-25'],
  'America/Santiago': ['2026-04-05', '2026-09-06'],
  'Asia/Kolkata': ['2026-06-10'],
  UTC: ['2026-07-01'],
};
const ZONES = Object.keys(ZONE_DAYS);
const H = 3_600_000;
// Every wall time, offset and change instant of these zones is on a 15 min grid.
const STEP = 15 * 60_000;

/** First instant showing y-mo-d h:mi in `zone`; in a gap, the instant before it plus the wall time still missing. */
function naiveLocal(y: number, mo: number, d: number, h: number, mi: number, zone: string): number {
  const target = Date.UTC(y, mo - 1, d, h, mi);
  const wallOf = (t: number) => {
    const l = DateTime.fromMillis(t, { zone });
    return Date.UTC(l.year, l.month - 1, l.day, l.hour, l.minute);
  };
  for (let t = target - 15 * H; t <= target + 15 * H; t += STEP) {
    const w = wallOf(t);
    if (w === target) return t;
    if (w > target) return t - STEP + (target - wallOf(t - STEP));
  }
  throw new Error('unreachable: every zone here is within ±14 h');
}

const scenario = fc
  .record({
    ruleZone: fc.constantFrom(...ZONES),
    defZone: fc.constantFrom(...ZONES),
    floating: fc.boolean(),
    hour: fc.integer({ min: 0, max: 23 }),
    minute: fc.constantFrom(0, 15, 30, 45),
    durationMin: fc.integer({ min: 1, max: 180 }),
    dayIndex: fc.nat(),
    shiftH: fc.integer({ min: -30, max: 30 }),
  })
  .map((s) => ({ ...s, defZone: s.floating ? s.ruleZone : s.defZone }));

function ruleText(s: { ruleZone: string; floating: boolean; hour: number; minute: number }): string {
  const hhmm = `${String(s.hour).padStart(2, '0')}${String(s.minute).padStart(2, '0')}00`;
  if (s.floating) return `DTSTART:20260101T${hhmm}\nRRULE:FREQ=DAILY`;
  if (s.ruleZone === 'UTC') return `DTSTART:20260101T${hhmm}Z\nRRULE:FREQ=DAILY`;
  return `DTSTART;TZID=${s.ruleZone}:20260101T${hhmm}\nRRULE:FREQ=DAILY`;
}

describe('maintenance RRULE in its own zone vs naive reference', () => {
  it('a daily HH:MM window lands on the first instant showing HH:MM in the rule zone, every local day', () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const days = ZONE_DAYS[s.ruleZone]!;
        const day = DateTime.fromISO(days[s.dayIndex % days.length]!, { zone: s.ruleZone });
        const start = day.toMillis() + s.shiftH * H;
        const window = { start, end: start + 48 * H };
        const got = maintenanceIntervals([{ rrule: ruleText(s), durationMs: s.durationMin * 60_000 }], s.defZone, window);
        const want: Array<{ start: number; end: number }> = [];
        for (let d = -2; d <= 3; d++) {
          const l = day.plus({ days: d });
          const t = naiveLocal(l.year, l.month, l.day, s.hour, s.minute, s.ruleZone);
          if (t < window.end && t + s.durationMin * 60_000 > window.start) want.push({ start: t, end: t + s.durationMin * 60_000 });
        }
        expect(got).toEqual(want);
      }),
      { numRuns: 100 },
    );
  });
});
