import { describe, expect, it } from 'vitest';
import { VigilError } from '../../../shared/errors.js';
import { businessHoursProblems, businessIntervals } from '../../../shared/sla/business-hours.js';
import { parseDefinition } from '../../../shared/sla/definition.js';
import { resolvePeriod } from '../../../shared/sla/period.js';
import { computeReport } from '../../../shared/sla/report.js';
import type { BusinessHours, Interval, Transition } from '../../../shared/sla/types.js';

const H = 3600;
const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri'] as const;
const ALL = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;

const iso = (list: Interval[]) => list.map((i) => `${new Date(i.start).toISOString().slice(0, 16)}/${new Date(i.end).toISOString().slice(0, 16)}`);
const between = (start: string, end: string): Interval => ({ start: Date.parse(start), end: Date.parse(end) });
const definition = (zone: string, businessHours: string) =>
  parseDefinition(`client: bh\ntimezone: ${zone}\nservices:\n  - id: desk\n    target: 99\n    members: [a]\n    businessHours: ${businessHours}\n`, 'bh.yaml');

function problemsOf(text: string): VigilError {
  try {
    definition('UTC', text);
  } catch (e) {
    return e as VigilError;
  }
  throw new Error('expected VIGIL_ERR_DEFINITION_INVALID');
}

describe('business hours: split hours', () => {
  it('Mon–Fri 08:00–12:00 and 13:00–17:00 measure 8 h a weekday; an outage over lunch counts only its in-hours part', () => {
    const def = definition(
      'UTC',
      '[ { days: [mon, tue, wed, thu, fri], from: "08:00", to: "12:00" }, { days: [mon, tue, wed, thu, fri], from: "13:00", to: "17:00" } ]',
    );
    const t: Transition[] = [
      { ts: Date.parse('2026-05-01T00:00:00Z'), check: 'a', state: 'up' },
      { ts: Date.parse('2026-06-08T11:30:00Z'), check: 'a', state: 'down' }, // Monday 11:30–13:30: 30 min + 30 min in hours
      { ts: Date.parse('2026-06-08T13:30:00Z'), check: 'a', state: 'up' },
    ];
    const period = resolvePeriod('calendar-month', '2026-06', 'UTC');
    const [s] = computeReport(def, t, period, { asOf: period.end }).services;
    expect(s!.measuredSeconds).toBe(22 * 8 * H);
    expect(s!.downtimeSeconds).toBe(H);
    expect(s!.outsideBusinessHoursSeconds).toBe(30 * 24 * H - 22 * 8 * H);
    expect(iso(businessIntervals(def.services[0]!.businessHours!, 'UTC', between('2026-06-08T00:00Z', '2026-06-09T00:00Z')))).toEqual([
      '2026-06-08T08:00/2026-06-08T12:00',
      '2026-06-08T13:00/2026-06-08T17:00',
    ]);
  });

  it('overlapping and touching ranges merge into one', () => {
    const bh: BusinessHours = [
      { days: ['mon'], from: '08:00', to: '12:00' },
      { days: ['mon'], from: '10:00', to: '14:00' },
      { days: ['mon'], from: '14:00', to: '15:30' },
      { days: ['mon', 'tue'], from: '09:00', to: '11:00' },
    ];
    expect(iso(businessIntervals(bh, 'UTC', between('2026-06-08T00:00Z', '2026-06-10T00:00Z')))).toEqual([
      '2026-06-08T08:00/2026-06-08T15:30',
      '2026-06-09T09:00/2026-06-09T11:00',
    ]);
  });
});

describe('business hours: ranges past midnight', () => {
  it('22:00–06:00 on [fri] runs from Friday 22:00 to Saturday 06:00 and nothing else that week', () => {
    const bh: BusinessHours = [{ days: ['fri'], from: '22:00', to: '06:00' }];
    // 2026-06-08 is a Monday; the week and the Saturday alone (the night started the day before the window)
    expect(iso(businessIntervals(bh, 'UTC', between('2026-06-08T00:00Z', '2026-06-15T00:00Z')))).toEqual(['2026-06-12T22:00/2026-06-13T06:00']);
    expect(iso(businessIntervals(bh, 'UTC', between('2026-06-13T00:00Z', '2026-06-14T00:00Z')))).toEqual(['2026-06-13T00:00/2026-06-13T06:00']);
    // Sunday night is not Friday night
    expect(businessIntervals(bh, 'UTC', between('2026-06-14T00:00Z', '2026-06-16T00:00Z'))).toEqual([]);
  });

  it('a night shift every night joins Sunday-to-Monday with a day shift into one run; the single form accepts it too', () => {
    const def = definition('UTC', '{ days: [sun], from: "20:00", to: "08:00" }');
    expect(iso(businessIntervals(def.services[0]!.businessHours!, 'UTC', between('2026-06-07T00:00Z', '2026-06-09T00:00Z')))).toEqual([
      '2026-06-07T20:00/2026-06-08T08:00',
    ]);
    const joined: BusinessHours = [
      { days: ['sun'], from: '20:00', to: '08:00' },
      { days: ['mon'], from: '08:00', to: '24:00' },
    ];
    expect(iso(businessIntervals(joined, 'UTC', between('2026-06-07T00:00Z', '2026-06-09T12:00Z')))).toEqual(['2026-06-07T20:00/2026-06-09T00:00']);
  });
});

describe('business hours at DST changes (wall-clock time in the definition zone)', () => {
  const night: BusinessHours = [{ days: [...ALL], from: '22:00', to: '06:00' }];
  const nightLength = (zone: string, start: string, end: string) =>
    businessIntervals(night, zone, between(start, end)).reduce((sum, i) => sum + (i.end - i.start) / 1000, 0);

  it('Europe/Berlin: 22:00–06:00 is 7 h on the spring-forward night and 9 h on the autumn night', () => {
    // the windows hold exactly one night each: 12:00 local to 12:00 local
    expect(nightLength('Europe/Berlin', '2026-03-28T11:00Z', '2026-03-29T10:00Z')).toBe(7 * H);
    expect(nightLength('Europe/Berlin', '2026-10-24T10:00Z', '2026-10-25T11:00Z')).toBe(9 * H);
    expect(nightLength('Europe/Berlin', '2026-06-10T10:00Z', '2026-06-11T10:00Z')).toBe(8 * H);
    expect(iso(businessIntervals(night, 'Europe/Berlin', between('2026-03-28T11:00Z', '2026-03-29T10:00Z')))).toEqual(['2026-03-28T21:00/2026-03-29T04:00']);
  });

  it('America/New_York: the same, and the figures follow (Saturday night shift only)', () => {
    expect(nightLength('America/New_York', '2026-03-07T17:00Z', '2026-03-08T16:00Z')).toBe(7 * H);
    expect(nightLength('America/New_York', '2026-10-31T16:00Z', '2026-11-01T17:00Z')).toBe(9 * H);
    const def = definition('America/New_York', '[ { days: [sat], from: "22:00", to: "06:00" } ]');
    const period = resolvePeriod('calendar-month', '2026-03', 'America/New_York');
    const [s] = computeReport(def, [{ ts: Date.parse('2026-02-01T00:00:00Z'), check: 'a', state: 'up' }], period, { asOf: period.end }).services;
    // Saturdays of March 2026: 7, 14, 21, 28 (the night of the 7th loses an hour); the night of Feb 28 reaches into March 1 for 6 h
    expect(s!.measuredSeconds).toBe(6 * H + 7 * H + 3 * 8 * H);
  });

  it('a range starting or ending in the skipped hour starts or ends at the first valid instant after it (03:00 CEST)', () => {
    const day = between('2026-03-28T22:00Z', '2026-03-29T22:00Z'); // Sunday 29 March 2026, Berlin
    expect(iso(businessIntervals([{ days: ['sun'], from: '02:30', to: '04:00' }], 'Europe/Berlin', day))).toEqual(['2026-03-29T01:00/2026-03-29T02:00']);
    expect(iso(businessIntervals([{ days: ['sun'], from: '01:00', to: '02:30' }], 'Europe/Berlin', day))).toEqual(['2026-03-29T00:00/2026-03-29T01:00']);
  });

  it('a range starting or ending in the repeated hour uses its first occurrence (as maintenance does)', () => {
    const day = between('2026-10-24T22:00Z', '2026-10-25T23:00Z'); // Sunday 25 October 2026, Berlin
    expect(iso(businessIntervals([{ days: ['sun'], from: '02:30', to: '04:00' }], 'Europe/Berlin', day))).toEqual(['2026-10-25T00:30/2026-10-25T03:00']);
    expect(iso(businessIntervals([{ days: ['sun'], from: '01:00', to: '02:30' }], 'Europe/Berlin', day))).toEqual(['2026-10-24T23:00/2026-10-25T00:30']);
  });
});

describe('business hours: the original single-range form', () => {
  it('{ days, from, to } gives the same intervals as a list of that one range, and the same figures as before', () => {
    const single = definition('Europe/Berlin', '{ days: [mon, tue, wed, thu, fri], from: "08:00", to: "18:00" }');
    const listed = definition('Europe/Berlin', '[ { days: [mon, tue, wed, thu, fri], from: "08:00", to: "18:00" } ]');
    expect(single.services[0]!.businessHours).toEqual({ days: [...WEEKDAYS], from: '08:00', to: '18:00' });
    const period = resolvePeriod('calendar-month', '2026-10', 'Europe/Berlin');
    const a = businessIntervals(single.services[0]!.businessHours!, 'Europe/Berlin', period);
    expect(a).toEqual(businessIntervals(listed.services[0]!.businessHours!, 'Europe/Berlin', period));
    expect(a).toHaveLength(22);
    expect(iso(a.slice(0, 1))).toEqual(['2026-10-01T06:00/2026-10-01T16:00']); // CEST
    expect(iso(a.slice(-1))).toEqual(['2026-10-30T07:00/2026-10-30T17:00']); // CET after the change
    const up: Transition[] = [{ ts: Date.parse('2026-09-01T00:00:00Z'), check: 'a', state: 'up' }];
    expect(computeReport(single, up, period, { asOf: period.end }).services[0]!.measuredSeconds).toBe(22 * 10 * H);
  });

  it('to 24:00 ends at the next local midnight', () => {
    expect(iso(businessIntervals({ days: ['sat'], from: '00:00', to: '24:00' }, 'Europe/Berlin', between('2026-10-23T22:00Z', '2026-10-26T00:00Z')))).toEqual([
      '2026-10-23T22:00/2026-10-24T22:00',
    ]);
  });
});

describe('business hours: bad input is VIGIL_ERR_DEFINITION_INVALID with every problem and its path', () => {
  it('bad HH:MM and from == to, in the list form, all listed at once', () => {
    const e = problemsOf(
      '[ { days: [mon], from: "8:00", to: "12:00" }, { days: [mon], from: "13:00", to: "25:00" }, { days: [tue], from: "09:00", to: "09:00" }, { days: [wed], from: "24:00", to: "06:00" } ]',
    );
    expect(e).toBeInstanceOf(VigilError);
    expect(e.code).toBe('VIGIL_ERR_DEFINITION_INVALID');
    expect(e.problems.map((p) => p.path).sort()).toEqual([
      '/services/0/businessHours/0/from',
      '/services/0/businessHours/1/to',
      '/services/0/businessHours/2/to',
      '/services/0/businessHours/3/from',
    ]);
    expect(e.problems.find((p) => p.path.endsWith('/0/from'))!.message).toContain('"8:00"');
    expect(e.problems.find((p) => p.path.endsWith('/2/to'))!.message).toContain('empty');
  });

  it('the single form reports its own paths; an empty list and a range without days are schema problems with paths', () => {
    expect(problemsOf('{ days: [mon], from: "18:00", to: "18:00" }').problems.map((p) => p.path)).toEqual(['/services/0/businessHours/to']);
    expect(problemsOf('{ days: [mon], from: "noon", to: "18:00" }').problems.map((p) => p.path)).toEqual(['/services/0/businessHours/from']);
    expect(problemsOf('[]').problems.map((p) => p.path)).toContain('/services/0/businessHours');
    expect(problemsOf('[ { days: [], from: "08:00", to: "12:00" } ]').problems.map((p) => p.path)).toContain('/services/0/businessHours/0/days');
  });

  it('businessHoursProblems lists the same problems for any caller', () => {
    expect(businessHoursProblems([], '/bh')).toEqual([{ path: '/bh', message: expect.stringContaining('at least one range') }]);
    expect(businessHoursProblems([{ days: ['mon'], from: '22:00', to: '06:00' }], '/bh')).toEqual([]);
    expect(businessHoursProblems({ days: ['mon'], from: '00:00', to: '24:00' }, '/bh')).toEqual([]);
  });
});
