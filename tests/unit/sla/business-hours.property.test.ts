import fc from 'fast-check';
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { businessIntervals } from '../../../shared/sla/business-hours.js';
import { computeServiceFigures } from '../../../shared/sla/report.js';
import type { BusinessHours, BusinessHoursRange, ServiceDefinition, SlaDefinition, Transition } from '../../../shared/sla/types.js';
import { type NaiveRange, naiveBusinessIntervals, naiveScopeFigures } from './naive-business-hours.js';

const DAY_NAMES = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
// 36 h from local noon the day before a DST change (both directions, 1 h and Lord Howe's 30 min), and days without one.
const WINDOWS = [
  { zone: 'Europe/Berlin', start: '2026-03-28T12:00' },
  { zone: 'Europe/Berlin', start: '2026-10-24T12:00' },
  { zone: 'America/New_York', start: '2026-03-07T12:00' },
  { zone: 'America/New_York', start: '2026-10-31T12:00' },
  { zone: 'Australia/Lord_Howe', start: '2026-04-04T12:00' },
  { zone: 'Australia/Lord_Howe', start: '2026-10-03T12:00' },
  { zone: 'Asia/Kolkata', start: '2026-06-12T12:00' },
  { zone: 'UTC', start: '2026-06-12T12:00' },
];
const HOURS = 36;
const hhmm = (quarters: number) => `${String(Math.floor(quarters / 4)).padStart(2, '0')}:${String((quarters % 4) * 15).padStart(2, '0')}`;

// Quarter hours, half of them 01:00–03:45, so ranges often start and end inside skipped and repeated hours; to 96 = 24:00.
const nearChange = fc.integer({ min: 4, max: 15 });
const range = fc
  .record({
    days: fc.subarray([1, 2, 3, 4, 5, 6, 7], { minLength: 1 }),
    from: fc.oneof(fc.integer({ min: 0, max: 95 }), nearChange),
    to: fc.oneof(fc.integer({ min: 0, max: 96 }), nearChange),
  })
  .filter((r) => r.from !== r.to);
const ranges = fc.array(range, { minLength: 1, maxLength: 4 });

function forms(list: Array<{ days: number[]; from: number; to: number }>, single: boolean): { bh: BusinessHours; naive: NaiveRange[] } {
  const engine: BusinessHoursRange[] = list.map((r) => ({ days: r.days.map((d) => DAY_NAMES[d - 1]!), from: hhmm(r.from), to: hhmm(r.to) }));
  return {
    bh: single && engine.length === 1 ? engine[0]! : engine,
    naive: list.map((r) => ({ days: r.days, fromMin: r.from * 15, toMin: r.to * 15 })),
  };
}

describe('business hours vs naive second-by-second reference', () => {
  it('random range lists (split, past midnight, overlapping) give the same in-scope instants across DST, whatever the TZ', () => {
    fc.assert(
      fc.property(fc.constantFrom(...WINDOWS), ranges, fc.boolean(), fc.integer({ min: 0, max: 12 * 60 }), (w, list, single, skipMin) => {
        const start = DateTime.fromISO(w.start, { zone: w.zone }).toMillis() + skipMin * 60_000;
        const end = start + HOURS * 3600_000 - skipMin * 60_000;
        const { bh, naive } = forms(list, single);
        expect(businessIntervals(bh, w.zone, { start, end })).toEqual(naiveBusinessIntervals(naive, w.zone, start, end));
      }),
      { numRuns: 60 },
    );
  });

  it('the report measures exactly the naive in-scope seconds of a member flapping in and out of business hours', () => {
    const transitions = fc.uniqueArray(
      fc.record({ offsetS: fc.integer({ min: -3600, max: HOURS * 3600 }), state: fc.constantFrom('up' as const, 'down' as const, 'unknown' as const) }),
      { maxLength: 12, selector: (t) => t.offsetS },
    );
    fc.assert(
      fc.property(fc.constantFrom(...WINDOWS), ranges, transitions, (w, list, raw) => {
        const start = DateTime.fromISO(w.start, { zone: w.zone }).toMillis();
        const end = start + HOURS * 3600_000;
        const { bh, naive } = forms(list, false);
        const service: ServiceDefinition = {
          id: 'svc',
          target: 99.9,
          period: 'calendar-month',
          members: ['a'],
          downtime: { when: { membersDown: 1 }, minDurationMs: 0 },
          unknown: 'exclude',
          maintenance: [],
          businessHours: bh,
        };
        const def: SlaDefinition = { client: 'c', timezone: w.zone, version: '1', effectiveFrom: 0, services: [service] };
        const t: Transition[] = raw.map((x) => ({ ts: start + x.offsetS * 1000, check: 'a', state: x.state }));
        const got = computeServiceFigures(def, service, t, { label: 'w', start, end }, { asOf: end });
        const want = naiveScopeFigures(naive, w.zone, t, start, end);
        expect(got.outsideBusinessHoursSeconds).toBe(HOURS * 3600 - want.inScopeSeconds);
        expect(got.unknownSeconds).toBe(want.unknownSeconds);
        expect(got.measuredSeconds).toBe(want.upSeconds + want.downSeconds);
        expect(got.downtimeSeconds).toBe(want.downSeconds);
      }),
      { numRuns: 25 },
    );
  });
});
