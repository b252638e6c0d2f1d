import { describe, expect, it } from 'vitest';
import { parseDefinition } from '../../../shared/sla/definition.js';
import { isInMaintenance, maintenanceIntervals } from '../../../shared/sla/maintenance.js';
import { resolvePeriod } from '../../../shared/sla/period.js';
import { computeReport } from '../../../shared/sla/report.js';
import type { MaintenanceEntry } from '../../../shared/sla/types.js';

/**
 * Issue 15: maintenance RRULEs with a zoned (TZID) or UTC DTSTART. Every expected instant is
 * written out by hand, so these tests fail on any machine TZ if the engine reads the process zone;
 * test:all also runs tests/unit/sla under several TZ values.
 */
const H = 3_600_000;
const at = (iso: string) => Date.parse(iso);
const iso = (ms: number) => new Date(ms).toISOString().replace('.000', '');
const win = (from: string, to: string) => ({ start: at(from), end: at(to) });
const starts = (rrule: string, zone: string, from: string, to: string, durationMs = 2 * H) =>
  maintenanceIntervals([{ rrule, durationMs }], zone, win(from, to)).map((i) => {
    expect(i.end - i.start).toBe(durationMs);
    return iso(i.start);
  });

const NY_SAT = 'DTSTART;TZID=America/New_York:20260103T220000\nRRULE:FREQ=WEEKLY;BYDAY=SA';

describe('maintenance RRULE with DTSTART;TZID', () => {
  it('lands at 22:00 New York time across the March 2026 DST change (03:00Z in EST, 02:00Z in EDT), whatever the definition zone', () => {
    const want = ['2026-03-01T03:00:00Z', '2026-03-08T03:00:00Z', '2026-03-15T02:00:00Z', '2026-03-22T02:00:00Z'];
    for (const zone of ['America/New_York', 'Europe/Berlin', 'UTC', 'Asia/Kolkata']) {
      expect(starts(NY_SAT, zone, '2026-02-28T00:00:00Z', '2026-03-23T00:00:00Z'), zone).toEqual(want);
    }
  });

  it('lands at 22:00 New York time in November too (back to EST on Nov 1)', () => {
    expect(starts(NY_SAT, 'Europe/Berlin', '2026-10-24T00:00:00Z', '2026-11-09T00:00:00Z')).toEqual([
      '2026-10-25T02:00:00Z',
      '2026-11-01T02:00:00Z',
      '2026-11-08T03:00:00Z',
    ]);
  });

  it('isInMaintenance follows the zoned windows', () => {
    const svc = { maintenance: [{ rrule: NY_SAT, durationMs: 2 * H }] satisfies MaintenanceEntry[] };
    expect(isInMaintenance(svc, 'Europe/Berlin', at('2026-03-08T03:30:00Z'))).toBe(true);
    expect(isInMaintenance(svc, 'Europe/Berlin', at('2026-03-08T02:30:00Z'))).toBe(false);
    expect(isInMaintenance(svc, 'Europe/Berlin', at('2026-03-15T02:00:00Z'))).toBe(true);
    expect(isInMaintenance(svc, 'Europe/Berlin', at('2026-03-15T04:00:00Z'))).toBe(false);
  });

  it('a wall time in the spring-forward gap moves forward by the gap; an ambiguous one takes its first occurrence', () => {
    const rule = 'DTSTART;TZID=America/New_York:20260104T023000\nRRULE:FREQ=WEEKLY;BYDAY=SU';
    // Mar 8 02:30 does not exist in New York → 03:30 EDT (07:30Z, like 02:30 EST the week before).
    expect(starts(rule, 'UTC', '2026-02-28T00:00:00Z', '2026-03-16T00:00:00Z', H)).toEqual([
      '2026-03-01T07:30:00Z',
      '2026-03-08T07:30:00Z',
      '2026-03-15T06:30:00Z',
    ]);
    const back = 'DTSTART;TZID=America/New_York:20260104T013000\nRRULE:FREQ=WEEKLY;BYDAY=SU';
    // Nov 1 01:30 happens twice (EDT, then EST): the first, 05:30Z.
    expect(starts(back, 'UTC', '2026-10-31T00:00:00Z', '2026-11-09T00:00:00Z', H)).toEqual(['2026-11-01T05:30:00Z', '2026-11-08T06:30:00Z']);
  });

  it('a UTC UNTIL ends the series at that instant', () => {
    const rule = 'DTSTART;TZID=America/New_York:20260103T220000\nRRULE:FREQ=WEEKLY;BYDAY=SA;UNTIL=20260315T020000Z';
    expect(starts(rule, 'Europe/Berlin', '2026-03-01T00:00:00Z', '2026-04-01T00:00:00Z')).toEqual([
      '2026-03-01T03:00:00Z',
      '2026-03-08T03:00:00Z',
      '2026-03-15T02:00:00Z',
    ]);
  });

  it('a multi-line rule in a YAML definition: validated, and its windows counted in the report', () => {
    const yaml = [
      'client: c',
      'timezone: America/New_York',
      'services:',
      '  - id: s',
      '    target: 99.9',
      '    members: [m]',
      '    maintenance:',
      '      - rrule: |',
      '          DTSTART;TZID=America/New_York:20260103T220000',
      '          RRULE:FREQ=WEEKLY;BYDAY=SA',
      '        duration: 2h',
      '',
    ].join('\n');
    const def = parseDefinition(yaml, 'c.yaml');
    const period = resolvePeriod('calendar-month', '2026-03', 'America/New_York');
    const [s] = computeReport(def, [], period, { asOf: period.end }).services;
    // Saturdays Mar 7, 14, 21, 28 at 22:00-24:00 local; Feb 28's window ends at 00:00 on Mar 1.
    expect(s!.maintenanceSeconds).toBe(4 * 7200);
    expect(maintenanceIntervals(def.services[0]!.maintenance, def.timezone, win('2026-03-07T00:00:00Z', '2026-03-09T00:00:00Z'))).toEqual([
      { start: at('2026-03-08T03:00:00Z'), end: at('2026-03-08T05:00:00Z') },
    ]);
  });
});

describe('maintenance RRULE without TZID, or in UTC', () => {
  it('a floating DTSTART is wall time in the definition zone (Berlin: 21:00Z in CET, 20:00Z in CEST)', () => {
    const want = ['2026-03-21T21:00:00Z', '2026-03-28T21:00:00Z', '2026-04-04T20:00:00Z'];
    expect(starts('DTSTART:20260103T220000\nRRULE:FREQ=WEEKLY;BYDAY=SA', 'Europe/Berlin', '2026-03-20T00:00:00Z', '2026-04-06T00:00:00Z')).toEqual(want);
    expect(starts('FREQ=WEEKLY;BYDAY=SA;BYHOUR=22;BYMINUTE=0;BYSECOND=0', 'Europe/Berlin', '2026-03-20T00:00:00Z', '2026-04-06T00:00:00Z')).toEqual(want);
  });

  it('a DTSTART ending in Z is UTC: 22:00Z every Saturday on both sides of DST, whatever the definition zone', () => {
    const want = ['2026-03-07T22:00:00Z', '2026-03-14T22:00:00Z', '2026-03-21T22:00:00Z', '2026-03-28T22:00:00Z', '2026-04-04T22:00:00Z'];
    const rule = 'DTSTART:20260103T220000Z\nRRULE:FREQ=WEEKLY;BYDAY=SA';
    for (const zone of ['America/New_York', 'Europe/Berlin']) {
      expect(starts(rule, zone, '2026-03-07T00:00:00Z', '2026-04-05T00:00:00Z'), zone).toEqual(want);
    }
  });
});

describe('maintenance RRULE phase: independent of the window asked about', () => {
  it('without DTSTART a rule starts at 2000-01-03T00:00 local: INTERVAL=2 weeks and a plain MONTHLY keep their days', () => {
    const biweekly = 'FREQ=WEEKLY;INTERVAL=2;BYDAY=SU;BYHOUR=2;BYMINUTE=0;BYSECOND=0';
    const want = ['2026-10-11T00:00:00Z', '2026-10-25T00:00:00Z', '2026-11-08T01:00:00Z'];
    expect(starts(biweekly, 'Europe/Berlin', '2026-10-01T00:00:00Z', '2026-11-10T00:00:00Z')).toEqual(want);
    for (const from of ['2026-10-04T00:00:00Z', '2026-10-11T00:00:00Z', '2026-10-18T00:00:00Z', '2026-10-24T00:00:00Z']) {
      expect(starts(biweekly, 'Europe/Berlin', from, '2026-11-10T00:00:00Z'), from).toEqual(want.filter((w) => w >= from));
    }
    const monthly = 'FREQ=MONTHLY;BYHOUR=2;BYMINUTE=0;BYSECOND=0';
    for (const from of ['2026-09-28T00:00:00Z', '2026-10-01T00:00:00Z', '2026-10-02T12:00:00Z']) {
      expect(starts(monthly, 'Europe/Berlin', from, '2026-11-30T00:00:00Z'), from).toEqual(['2026-10-03T00:00:00Z', '2026-11-03T01:00:00Z']);
    }
  });

  it('a fine-grained rule from a DTSTART years back keeps its phase', () => {
    const rule = 'DTSTART:20010101T000700Z\nRRULE:FREQ=HOURLY;INTERVAL=5';
    const first = at('2001-01-01T00:07:00Z');
    const from = at('2026-03-08T00:00:00Z');
    const k = Math.ceil((from - first) / (5 * H));
    const want = [0, 1, 2].map((i) => iso(first + (k + i) * 5 * H));
    expect(starts(rule, 'America/New_York', '2026-03-08T00:00:00Z', '2026-03-08T15:00:00Z', 60_000)).toEqual(want);
  });

  it('COUNT counts from DTSTART', () => {
    const rule = 'DTSTART;TZID=America/New_York:20260103T220000\nRRULE:FREQ=WEEKLY;COUNT=3';
    expect(starts(rule, 'UTC', '2026-01-01T00:00:00Z', '2026-03-01T00:00:00Z')).toEqual([
      '2026-01-04T03:00:00Z',
      '2026-01-11T03:00:00Z',
      '2026-01-18T03:00:00Z',
    ]);
    expect(starts(rule, 'UTC', '2026-01-10T00:00:00Z', '2026-03-01T00:00:00Z')).toEqual(['2026-01-11T03:00:00Z', '2026-01-18T03:00:00Z']);
  });

  it('DTSTART and RRULE on one line (YAML folded >) read the same as on two', () => {
    expect(starts(NY_SAT.replace('\n', ' '), 'UTC', '2026-03-07T00:00:00Z', '2026-03-16T00:00:00Z')).toEqual(['2026-03-08T03:00:00Z', '2026-03-15T02:00:00Z']);
  });
});

describe('maintenance RRULE validation', () => {
  const bad = (rrule: string) => () =>
    parseDefinition(
      `client: c\ntimezone: UTC\nservices:\n  - { id: s, target: 99, members: [m], maintenance: [ { rrule: ${JSON.stringify(rrule)}, duration: 1h } ] }\n`,
      'c.yaml',
    );
  it.each([
    ['an unknown TZID', 'DTSTART;TZID=Mars/Olympus:20260103T220000\nRRULE:FREQ=WEEKLY'],
    ['a DTSTART it cannot read (would fall back to the current time)', 'DTSTART;VALUE=DATE:20260103\nRRULE:FREQ=WEEKLY'],
    ['a second RRULE', 'DTSTART:20260103T220000\nRRULE:FREQ=WEEKLY\nRRULE:FREQ=DAILY'],
    ['a TZID inside the RRULE line', 'FREQ=WEEKLY;TZID=America/New_York'],
    ['COUNT without a DTSTART to count from', 'FREQ=WEEKLY;COUNT=3'],
    ['a DTSTART that is not a date', 'DTSTART:20260231T220000\nRRULE:FREQ=WEEKLY'],
  ])('rejects %s with the rule path', (_name, rrule) => {
    expect(bad(rrule)).toThrow(expect.objectContaining({ problems: [expect.objectContaining({ path: '/services/0/maintenance/0/rrule' })] }));
  });
});
