import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseDefinition } from '../../../shared/sla/definition.js';
import { resolvePeriod } from '../../../shared/sla/period.js';
import { computeReport } from '../../../shared/sla/report.js';
import { parseTransitionsCsv } from '../../../shared/sla/transitions-csv.js';
import type { Transition } from '../../../shared/sla/types.js';

const fixture = (f: string) => readFileSync(new URL(`../../fixtures/sla/${f}`, import.meta.url), 'utf8');
const acmeYaml = fixture('acme.yaml');
const transitions = parseTransitionsCsv(fixture('acme-transitions.csv'));
const H = 3600;

describe('calendar periods in the client zone', () => {
  it('October 2026 in Berlin has 745 h, March 2026 has 743 h, a quarter spans both DST rules', () => {
    const oct = resolvePeriod('calendar-month', '2026-10', 'Europe/Berlin');
    expect((oct.end - oct.start) / 1000).toBe(745 * H);
    expect(new Date(oct.start).toISOString()).toBe('2026-09-30T22:00:00.000Z');
    const mar = resolvePeriod('calendar-month', '2026-03', 'Europe/Berlin');
    expect((mar.end - mar.start) / 1000).toBe(743 * H);
    const q4 = resolvePeriod('calendar-quarter', '2026-Q4', 'America/New_York');
    expect((q4.end - q4.start) / 1000).toBe((31 + 30 + 31) * 24 * H + H);
    expect(resolvePeriod('calendar-month', { asOf: Date.parse('2026-10-31T23:30:00Z') }, 'Europe/Berlin').label).toBe('2026-11');
  });
});

describe('acme network, October 2026 (hand-computed to the second)', () => {
  const period = resolvePeriod('calendar-month', '2026-10', 'Europe/Berlin');
  const asOf = period.end;
  // maintenance: Sundays 02:00 local for 2 h on Oct 4, 11, 18 (CEST: 00:00-02:00Z) = 3 × 7200 s;
  // Oct 25: the one-off 01:00 local (23:00Z on the 24th) for 3 h to 02:00Z absorbs the Sunday
  // window (02:00 local is ambiguous that day: first occurrence 00:00Z, to 02:00Z) = 10800 s.
  const maintenance = 3 * 7200 + 10800;
  const unknown = 1800;
  const downtime = 18 * 60 + 10 * 60; // outage A, and the 10 min of outage C after maintenance
  const total = 745 * H;

  it('exclude: unknown time leaves the measured time; quorum flap under minDuration is up', () => {
    const [s] = computeReport(parseDefinition(acmeYaml, 'acme.yaml'), transitions, period, { asOf }).services;
    expect(s!.maintenanceSeconds).toBe(maintenance);
    expect(s!.unknownSeconds).toBe(unknown);
    expect(s!.measuredSeconds).toBe(total - maintenance - unknown);
    expect(s!.downtimeSeconds).toBe(downtime);
    expect(s!.availabilityPercent).toBeCloseTo(((total - maintenance - unknown - downtime) / (total - maintenance - unknown)) * 100, 10);
    expect(s!.breached).toBe(false);
    expect(s!.creditPercent).toBe(0);
    expect(s!.incidentCount).toBe(2);
    expect(s!.mttrSeconds).toBe(downtime / 2);
    expect(s!.coverage).toBeCloseTo((total - maintenance - unknown) / (total - maintenance), 12);
  });

  it('down: unknown time counts as downtime and breaches, credit from the tiers', () => {
    const def = parseDefinition(acmeYaml.replace('unknown: exclude', 'unknown: down'), 'acme.yaml');
    const [s] = computeReport(def, transitions, period, { asOf }).services;
    expect(s!.measuredSeconds).toBe(total - maintenance);
    expect(s!.downtimeSeconds).toBe(downtime + unknown);
    expect(s!.availabilityPercent).toBeCloseTo(((total - maintenance - downtime - unknown) / (total - maintenance)) * 100, 10);
    expect(s!.breached).toBe(true);
    expect(s!.creditPercent).toBe(5);
  });

  it('up: unknown time counts as up', () => {
    const def = parseDefinition(acmeYaml.replace('unknown: exclude', 'unknown: up'), 'acme.yaml');
    const [s] = computeReport(def, transitions, period, { asOf }).services;
    expect(s!.measuredSeconds).toBe(total - maintenance);
    expect(s!.downtimeSeconds).toBe(downtime);
  });

  it('credits: the largest applicable tier, capped', () => {
    const def = parseDefinition(acmeYaml.replace('cap: 25', 'cap: 7').replace('below: 99.5, percent: 10', 'below: 99.99, percent: 10'), 'acme.yaml');
    expect(computeReport(def, transitions, period, { asOf }).services[0]!.creditPercent).toBe(7);
  });
});

describe('business hours', () => {
  it('measures only Mon–Fri 08:00–18:00 and counts only the in-hours part of an outage', () => {
    const def = parseDefinition(
      `client: bh\ntimezone: UTC\nservices:\n  - id: desk\n    target: 99\n    members: [a]\n    businessHours: { days: [mon, tue, wed, thu, fri], from: "08:00", to: "18:00" }\n`,
      'bh.yaml',
    );
    const t: Transition[] = [
      { ts: Date.parse('2026-05-01T00:00:00Z'), check: 'a', state: 'up' },
      { ts: Date.parse('2026-06-06T10:00:00Z'), check: 'a', state: 'down' }, // Saturday: out of scope
      { ts: Date.parse('2026-06-06T11:00:00Z'), check: 'a', state: 'up' },
      { ts: Date.parse('2026-06-08T17:30:00Z'), check: 'a', state: 'down' }, // Monday: 30 min in hours
      { ts: Date.parse('2026-06-08T18:30:00Z'), check: 'a', state: 'up' },
    ];
    const period = resolvePeriod('calendar-month', '2026-06', 'UTC');
    const [s] = computeReport(def, t, period, { asOf: period.end }).services;
    expect(s!.measuredSeconds).toBe(22 * 10 * H);
    expect(s!.downtimeSeconds).toBe(1800);
    expect(s!.outsideBusinessHoursSeconds).toBe(30 * 24 * H - 22 * 10 * H);
  });
});

describe('current period: to date, budget, burn rate, projection', () => {
  it('burn rate is the down fraction over the window divided by the budget fraction', () => {
    const def = parseDefinition(`client: x\ntimezone: UTC\nservices:\n  - id: s\n    target: 99\n    members: [a]\n`, 'x.yaml');
    const asOf = Date.parse('2026-10-15T12:00:00Z');
    const t: Transition[] = [
      { ts: Date.parse('2026-10-01T00:00:00Z'), check: 'a', state: 'up' },
      { ts: asOf - 1800_000, check: 'a', state: 'down' }, // down for the last 30 min
    ];
    const [s] = computeReport(def, t, resolvePeriod('calendar-month', '2026-10', 'UTC'), { asOf }).services;
    expect(s!.burnRate!['1h']).toBeCloseTo(0.5 / 0.01, 9);
    expect(s!.burnRate!['24h']).toBeCloseTo(1800 / 86400 / 0.01, 9);
    expect(s!.errorBudget.totalSeconds).toBeCloseTo(0.01 * 31 * 24 * H, 6);
    expect(s!.errorBudget.usedSeconds).toBe(1800);
    expect(s!.toDate!.projectedAvailabilityPercent!).toBeLessThan(s!.toDate!.availabilityPercent!);
    expect(s!.burnRate!['5m']).toBeCloseTo(100, 9);
    expect(s!.burnRate!['30m']).toBeCloseTo(100, 9);
    expect(s!.burnRate!['2h']).toBeCloseTo(0.25 / 0.01, 9);
    // budget left 26,784 − 1,800 s, spent at the 24 h down fraction 1800/86400: 1,199,232 s, inside the 16.5 days left
    expect(s!.toDate!.timeToBreachSeconds!).toBeCloseTo((0.01 * 31 * 24 * H - 1800) / (1800 / 86400), 3);
  });
  it('time to breach is 0 once the budget is gone and null when the period ends first', () => {
    const def = parseDefinition(`client: x\ntimezone: UTC\nservices:\n  - id: s\n    target: 99.9\n    members: [a]\n`, 'x.yaml');
    const asOf = Date.parse('2026-10-15T12:00:00Z');
    const period = resolvePeriod('calendar-month', '2026-10', 'UTC');
    const gone = computeReport(
      def,
      [
        { ts: Date.parse('2026-10-01T00:00:00Z'), check: 'a', state: 'up' },
        { ts: asOf - 6 * H * 1000, check: 'a', state: 'down' },
      ],
      period,
      { asOf },
    ).services[0]!;
    expect(gone.toDate!.timeToBreachSeconds).toBe(0);
    const calm = computeReport(
      def,
      [
        { ts: Date.parse('2026-10-01T00:00:00Z'), check: 'a', state: 'up' },
        { ts: asOf - 10_000, check: 'a', state: 'down' },
        { ts: asOf - 9_000, check: 'a', state: 'up' },
      ],
      period,
      { asOf },
    ).services[0]!;
    expect(calm.toDate!.timeToBreachSeconds).toBeNull();
  });
});
