import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { runSlaCompute } from '../../../cli/sla-compute.js';
import { AS_ADMIN, collectorFixture } from '../collector/fixture.js';

// Issue 15: services of one definition with different period kinds are each measured over their own.
const MIXED = `client: mixed
timezone: UTC
services:
  - { id: monthly, target: 99.9, period: calendar-month, members: [m-1], downtime: { when: { membersDown: 1 } } }
  - { id: quarterly, target: 99.9, period: calendar-quarter, members: [m-1], downtime: { when: { membersDown: 1 } } }
  - { id: rolling, target: 99.9, period: rolling-30d, members: [m-1], downtime: { when: { membersDown: 1 } } }
`;
// up from 1 Sep; down one hour on 20 Oct and half an hour on 3 Nov
const CSV = `timestamp,check,state
2026-09-01T00:00:00Z,m-1,up
2026-10-20T10:00:00Z,m-1,down
2026-10-20T11:00:00Z,m-1,up
2026-11-03T10:00:00Z,m-1,down
2026-11-03T10:30:00Z,m-1,up
`;
const H = 3600;

const dir = mkdtempSync(join(tmpdir(), 'vigil-periods-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
writeFileSync(join(dir, 'mixed.yaml'), MIXED);
writeFileSync(join(dir, 'mixed.csv'), CSV);
const compute = (period: string, asOf?: string) =>
  JSON.parse(runSlaCompute({ definition: join(dir, 'mixed.yaml'), transitions: join(dir, 'mixed.csv'), period, format: 'json', ...(asOf ? { asOf } : {}) }));

describe('per-service periods (vigil sla compute)', () => {
  it('a month label reports the monthly service over that month only, with its own period', () => {
    const out = compute('2026-10');
    expect(out.services.map((s: { id: string }) => s.id)).toEqual(['monthly']);
    expect(out.services[0]).toMatchObject({
      period: { label: '2026-10', start: '2026-10-01T00:00:00.000Z', end: '2026-11-01T00:00:00.000Z' },
      downtimeSeconds: H,
      measuredSeconds: 31 * 24 * H,
    });
    expect(out.period.label).toBe('2026-10');
  });

  it('a quarter label, rejected before, reports the quarterly service over the whole quarter', () => {
    const out = compute('2026-Q4');
    expect(out.services.map((s: { id: string }) => s.id)).toEqual(['quarterly']);
    expect(out.services[0]).toMatchObject({
      period: { label: '2026-Q4', start: '2026-10-01T00:00:00.000Z', end: '2027-01-01T00:00:00.000Z' },
      downtimeSeconds: 1.5 * H,
      measuredSeconds: 92 * 24 * H,
    });
    expect(out.period).toMatchObject({ label: '2026-Q4', end: '2027-01-01T00:00:00.000Z' });
  });

  it('a date label reports the rolling service over the 30 days ending with that day', () => {
    const out = compute('2026-11-10');
    expect(out.services.map((s: { id: string }) => s.id)).toEqual(['rolling']);
    // 12 Oct 00:00 – 11 Nov 00:00: both outages
    expect(out.services[0]).toMatchObject({
      period: { start: '2026-10-12T00:00:00.000Z', end: '2026-11-11T00:00:00.000Z' },
      downtimeSeconds: 1.5 * H,
      measuredSeconds: 30 * 24 * H,
    });
  });

  it('a label that fits no service is an error naming every service and its kind', () => {
    expect(() => compute('2026-W44')).toThrowError(
      expect.objectContaining({
        code: 'VIGIL_ERR_QUERY_INVALID',
        message: expect.stringMatching(/monthly \(calendar-month\).*quarterly \(calendar-quarter\).*rolling \(rolling-30d\)/),
      }),
    );
  });

  it('CSV rows carry each service’s own period label', () => {
    const csv = runSlaCompute({ definition: join(dir, 'mixed.yaml'), transitions: join(dir, 'mixed.csv'), period: '2026-Q4', format: 'csv' });
    const [header, row] = csv.trim().split('\n');
    expect(header!.split(',')).toContain('degradedSeconds');
    expect(row!.startsWith('mixed,2026-Q4,quarterly,')).toBe(true);
  });
});

describe('per-service periods (collector SLA API)', () => {
  let f: Awaited<ReturnType<typeof collectorFixture>> | undefined;
  afterEach(async () => {
    await f?.close();
    f = undefined;
  });

  it('without a label, each service over its own current period; with one, the services it fits', async () => {
    f = await collectorFixture({}, undefined, { moreDefs: [MIXED] });
    const current = await f.app.inject({ url: '/api/v1/sla/mixed', headers: AS_ADMIN });
    expect(current.statusCode, current.body).toBe(200);
    const now = new Date(f.clock.now()).toISOString(); // the fixture's clock: 2026-10-05T10:00Z
    expect(current.json().services.map((s: { id: string; period: { label: string; start: string } }) => [s.id, s.period.label, s.period.start])).toEqual([
      ['monthly', '2026-10', '2026-10-01T00:00:00.000Z'],
      ['quarterly', '2026-Q4', '2026-10-01T00:00:00.000Z'],
      ['rolling', `rolling-30d@${now}`, new Date(f.clock.now() - 30 * 86_400_000).toISOString()],
    ]);
    expect(current.json().period.label).toBe('2026-10');

    const q = await f.app.inject({ url: '/api/v1/sla/mixed?period=2026-Q3', headers: AS_ADMIN });
    expect(q.statusCode, q.body).toBe(200);
    expect(q.json().services.map((s: { id: string }) => s.id)).toEqual(['quarterly']);
    expect(q.json().period).toMatchObject({ label: '2026-Q3', start: '2026-07-01T00:00:00.000Z', end: '2026-10-01T00:00:00.000Z' });

    const report = await f.app.inject({ url: '/api/v1/reports/mixed?period=2026-Q3', headers: AS_ADMIN });
    expect(report.statusCode, report.body).toBe(200);
    expect(report.json().services).toEqual([
      expect.objectContaining({ id: 'quarterly', period: expect.objectContaining({ label: '2026-Q3' }), degradedSeconds: 0 }),
    ]);
  });
});
