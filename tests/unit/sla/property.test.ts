import fc from 'fast-check';
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { computeServiceFigures } from '../../../shared/sla/report.js';
import { downThreshold } from '../../../shared/sla/quorum.js';
import type { ServiceDefinition, SlaDefinition, Transition } from '../../../shared/sla/types.js';
import { firstOccurrence, naiveFigures } from './naive-reference.js';

const DAY_NAMES = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
// Windows of a few hours around DST changes and an ordinary day.
const WINDOWS = [
  { zone: 'Europe/Berlin', start: '2026-10-25T00:00' },
  { zone: 'Europe/Berlin', start: '2026-03-29T00:00' },
  { zone: 'America/New_York', start: '2026-11-01T00:00' },
  { zone: 'UTC', start: '2026-06-10T06:00' },
];
const HOURS = 5;

const scenario = fc.record({
  window: fc.constantFrom(...WINDOWS),
  memberCount: fc.integer({ min: 1, max: 4 }),
  rule: fc.oneof(fc.record({ count: fc.integer({ min: 1, max: 4 }) }), fc.record({ percent: fc.integer({ min: 10, max: 100 }) })),
  minDurationS: fc.constantFrom(0, 30, 300),
  unknown: fc.constantFrom('exclude' as const, 'up' as const, 'down' as const),
  transitions: fc.array(
    fc.record({
      offsetS: fc.integer({ min: -1800, max: HOURS * 3600 }),
      member: fc.integer({ min: 0, max: 3 }),
      state: fc.constantFrom('up' as const, 'down' as const, 'unknown' as const),
    }),
    { maxLength: 30 },
  ),
  oneOff: fc.array(fc.record({ offsetMin: fc.integer({ min: -60, max: HOURS * 60 }), durationMin: fc.integer({ min: 1, max: 120 }) }), { maxLength: 2 }),
  daily: fc.option(fc.record({ hour: fc.integer({ min: 0, max: 23 }), minute: fc.constantFrom(0, 30), durationMin: fc.integer({ min: 10, max: 90 }) })),
  businessHours: fc.option(
    fc.record({ days: fc.subarray([1, 2, 3, 4, 5, 6, 7], { minLength: 1 }), from: fc.integer({ min: 0, max: 12 }), len: fc.integer({ min: 1, max: 12 }) }),
  ),
});

describe('SLA engine vs naive second-by-second reference', () => {
  it('agrees to the second on random transitions, quorum, maintenance, DST and business hours', () => {
    fc.assert(
      fc.property(scenario, (sc) => {
        const zone = sc.window.zone;
        const start = DateTime.fromISO(sc.window.start, { zone }).toMillis();
        const end = start + HOURS * 3600_000;
        const members = Array.from({ length: sc.memberCount }, (_, i) => `m${i}`);
        const when = 'count' in sc.rule ? { membersDown: Math.min(sc.rule.count, sc.memberCount) } : { membersDownPercent: sc.rule.percent };
        const transitions: Transition[] = sc.transitions
          .filter((t) => t.member < sc.memberCount)
          .map((t) => ({ ts: start + t.offsetS * 1000, check: `m${t.member}`, state: t.state }));
        const localStart = DateTime.fromMillis(start, { zone });
        const oneOffs = sc.oneOff.map((o) => ({ start: localStart.plus({ minutes: o.offsetMin }).toFormat("yyyy-MM-dd'T'HH:mm"), durationMin: o.durationMin }));
        const service: ServiceDefinition = {
          id: 'svc',
          target: 99.9,
          period: 'calendar-month',
          members,
          downtime: { when, minDurationMs: sc.minDurationS * 1000 },
          unknown: sc.unknown,
          maintenance: [
            ...oneOffs.map((o) => ({ start: o.start, durationMs: o.durationMin * 60000 })),
            ...(sc.daily
              ? [{ rrule: `FREQ=DAILY;BYHOUR=${sc.daily.hour};BYMINUTE=${sc.daily.minute};BYSECOND=0`, durationMs: sc.daily.durationMin * 60000 }]
              : []),
          ],
          ...(sc.businessHours
            ? {
                businessHours: {
                  days: sc.businessHours.days.map((d) => DAY_NAMES[d - 1]!),
                  from: `${String(sc.businessHours.from).padStart(2, '0')}:00`,
                  to: `${String(sc.businessHours.from + sc.businessHours.len).padStart(2, '0')}:00`,
                },
              }
            : {}),
        };
        const def: SlaDefinition = { client: 'c', timezone: zone, version: '1', effectiveFrom: 0, services: [service] };
        const got = computeServiceFigures(def, service, transitions, { label: 'w', start, end }, { asOf: end });
        const first = Math.min(start, ...transitions.map((t) => t.ts));
        const want = naiveFigures(
          {
            members,
            threshold: downThreshold(service.downtime, members.length),
            minDurationS: sc.minDurationS,
            unknown: sc.unknown,
            timezone: zone,
            // one-off local starts resolved independently (first occurrence of an ambiguous local time)
            oneOff: oneOffs.map((o) => {
              const l = DateTime.fromISO(o.start, { zone });
              const s = firstOccurrence(l.year, l.month, l.day, l.hour, l.minute, zone);
              return [s, s + o.durationMin * 60000];
            }),
            daily: sc.daily ? [sc.daily] : [],
            ...(sc.businessHours
              ? {
                  businessHours: {
                    days: sc.businessHours.days,
                    fromMin: sc.businessHours.from * 60,
                    toMin: (sc.businessHours.from + sc.businessHours.len) * 60,
                  },
                }
              : {}),
          },
          transitions,
          first,
          start,
          end,
        );
        expect(got.measuredSeconds).toBe(want.measuredSeconds);
        expect(got.downtimeSeconds).toBe(want.downtimeSeconds);
        expect(got.unknownSeconds).toBe(want.unknownSeconds);
        expect(got.maintenanceSeconds).toBe(want.maintenanceSeconds);
      }),
      { numRuns: 40 },
    );
  });
});
