import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { resolvePeriod } from '../../../shared/sla/period.js';
import { computeReport, computeServiceFigures, type DegradedRun } from '../../../shared/sla/report.js';
import type { MemberState, ServiceDefinition, SlaDefinition, Transition } from '../../../shared/sla/types.js';
import { naiveFigures } from './naive-reference.js';

// Issue 15: time counted as up by `degradedCounts: up` is reported apart, as degradedSeconds.
const voice: ServiceDefinition = {
  id: 'voice',
  target: 99.9,
  period: 'calendar-month',
  members: ['a', 'b'],
  downtime: { when: { membersDown: 1 }, minDurationMs: 5 * 60_000 },
  unknown: 'exclude',
  maintenance: [],
  thresholds: { mosBelow: 3.5, degradedCounts: 'up' },
};
const def: SlaDefinition = { client: 'c', timezone: 'UTC', version: '1', effectiveFrom: 0, services: [voice] };
const at = (hm: string) => Date.parse(`2026-06-10T${hm}:00Z`);
const transitions: Transition[] = [
  { ts: Date.parse('2026-05-31T00:00:00Z'), check: 'a', state: 'up' },
  { ts: Date.parse('2026-05-31T00:00:00Z'), check: 'b', state: 'up' },
  { ts: at('14:00'), check: 'a', state: 'down' },
  { ts: at('14:30'), check: 'a', state: 'up' },
];
const runs: DegradedRun[] = [
  { check: 'a', start: at('10:00'), end: at('10:20') }, // 20 min counted up
  { check: 'b', start: at('12:00'), end: at('12:02') }, // shorter than minDuration: up whatever degraded counts as
  { check: 'a', start: at('13:50'), end: at('14:00') }, // runs into a real outage: its 10 min are degraded, not down
  { check: 'x', start: at('10:00'), end: at('11:00') }, // not a member
];

describe('degradedSeconds', () => {
  const period = resolvePeriod('calendar-month', '2026-06', 'UTC');

  it('hand-computed: degraded-but-up time is reported apart, downtime and availability unchanged', () => {
    const [s] = computeReport(def, transitions, period, { asOf: period.end, degraded: runs }).services;
    const [plain] = computeReport(def, transitions, period, { asOf: period.end }).services;
    expect(s!.degradedSeconds).toBe(30 * 60);
    expect(s!.downtimeSeconds).toBe(30 * 60);
    expect(s!.availabilityPercent).toBe(plain!.availabilityPercent);
    expect(plain!.degradedSeconds).toBe(0);
  });

  it('only in the measured part of the period, and not when the service was unknown', () => {
    const [early] = computeReport(def, transitions, period, { asOf: at('10:05'), degraded: runs }).services;
    expect(early!.degradedSeconds).toBe(5 * 60);
    const gap: Transition[] = [...transitions, { ts: at('10:10'), check: 'b', state: 'unknown' }, { ts: at('10:15'), check: 'b', state: 'up' }];
    // b unknown 10:10–10:15 with a down-threshold of 1 member: the service is unknown then (excluded), not up
    const [s] = computeReport(def, gap, period, { asOf: period.end, degraded: runs }).services;
    expect(s!.unknownSeconds).toBe(5 * 60);
    expect(s!.degradedSeconds).toBe(25 * 60);
  });

  it('property: downtime + degradedSeconds = the naive reference’s downtime with degraded runs as down', () => {
    const HOURS = 3;
    const start = Date.parse('2026-06-10T06:00:00Z');
    const end = start + HOURS * 3600_000;
    const scenario = fc.record({
      memberCount: fc.integer({ min: 1, max: 3 }),
      need: fc.integer({ min: 1, max: 3 }),
      minDurationS: fc.constantFrom(0, 60, 600),
      changes: fc.array(fc.record({ offsetS: fc.integer({ min: -600, max: HOURS * 3600 }), member: fc.integer({ min: 0, max: 2 }), down: fc.boolean() }), {
        maxLength: 12,
      }),
      runs: fc.array(
        fc.record({ offsetS: fc.integer({ min: -600, max: HOURS * 3600 }), member: fc.integer({ min: 0, max: 2 }), lenS: fc.integer({ min: 1, max: 3600 }) }),
        {
          maxLength: 6,
        },
      ),
    });
    fc.assert(
      fc.property(scenario, (sc) => {
        const members = Array.from({ length: sc.memberCount }, (_, i) => `m${i}`);
        const threshold = Math.min(sc.need, sc.memberCount);
        const service: ServiceDefinition = { ...voice, members, downtime: { when: { membersDown: threshold }, minDurationMs: sc.minDurationS * 1000 } };
        // every member known from before the window: no unknown time, so the identity is exact
        const t: Transition[] = [
          ...members.map((m) => ({ ts: start - 3600_000, check: m, state: 'up' as const })),
          ...sc.changes
            .filter((c) => c.member < sc.memberCount)
            .map((c) => ({ ts: start + c.offsetS * 1000, check: `m${c.member}`, state: c.down ? ('down' as const) : ('up' as const) })),
        ].sort((x, y) => x.ts - y.ts);
        const deg = sc.runs
          .filter((r) => r.member < sc.memberCount)
          .map((r) => ({ check: `m${r.member}`, start: start + r.offsetS * 1000, end: start + (r.offsetS + r.lenS) * 1000 }));
        const got = computeServiceFigures({ ...def, services: [service] }, service, t, { label: 'w', start, end }, { asOf: end, degraded: deg });
        // the strict transitions, second by second: a member up inside a degraded run is down
        const strict: Transition[] = [];
        const from = start - 3600_000;
        for (const m of members) {
          let last: MemberState | undefined;
          for (let s = from; s < end; s += 1000) {
            let state: MemberState = 'unknown';
            for (const x of t) if (x.check === m && x.ts <= s) state = x.state;
            if (state === 'up' && deg.some((d) => d.check === m && s >= d.start && s < d.end)) state = 'down';
            if (state !== last) strict.push({ ts: s, check: m, state });
            last = state;
          }
        }
        const want = naiveFigures(
          { members, threshold, minDurationS: sc.minDurationS, unknown: 'exclude', timezone: 'UTC', oneOff: [], daily: [] },
          strict,
          from,
          start,
          end,
        );
        expect(got.downtimeSeconds + got.degradedSeconds).toBe(want.downtimeSeconds);
      }),
      { numRuns: 25 },
    );
  });
});
