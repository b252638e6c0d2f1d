import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { runSlaCompute } from '../../../cli/sla-compute.js';

const fixtures = fileURLToPath(new URL('../../fixtures/sla/', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'vigil-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('vigil sla compute (offline)', () => {
  it('prints the contract JSON for a period', () => {
    const out = JSON.parse(
      runSlaCompute({ definition: join(fixtures, 'acme.yaml'), transitions: join(fixtures, 'acme-transitions.csv'), period: '2026-10', format: 'json' }),
    );
    expect(out.client).toBe('acme');
    expect(out.period).toMatchObject({ start: '2026-09-30T22:00:00.000Z', end: '2026-10-31T23:00:00.000Z' });
    expect(out.services[0]).toMatchObject({
      id: 'network',
      downtimeSeconds: 1680,
      maintenanceSeconds: 32400,
      unknownSeconds: 1800,
      breached: false,
      creditPercent: 0,
    });
    expect(out.services[0].measuredSeconds).toBe(745 * 3600 - 32400 - 1800);
  });

  it('prints CSV with one row per service', () => {
    const csv = runSlaCompute({
      definition: join(fixtures, 'acme.yaml'),
      transitions: join(fixtures, 'acme-transitions.csv'),
      period: '2026-10',
      format: 'csv',
    });
    const [header, row] = csv.trim().split('\n');
    expect(header!.split(',')).toContain('availabilityPercent');
    expect(row!.startsWith('acme,2026-10,network,99.9,')).toBe(true);
  });

  it('rejects a bad CSV listing every bad line', () => {
    const f = join(dir, 'bad.csv');
    writeFileSync(f, 'timestamp,check,state\n2026-10-01T00:00:00,a,up\n2026-10-01T00:00:00Z,a,sideways\n2026-10-01T00:00:00Z,a\n');
    expect(() => runSlaCompute({ definition: join(fixtures, 'acme.yaml'), transitions: f, period: '2026-10', format: 'json' })).toThrowError(
      expect.objectContaining({
        code: 'VIGIL_ERR_CSV_INVALID',
        problems: [expect.objectContaining({ path: 'line 2' }), expect.objectContaining({ path: 'line 3' }), expect.objectContaining({ path: 'line 4' })],
      }),
    );
  });

  const acme = () => readFileSync(join(fixtures, 'acme.yaml'), 'utf8');
  const transitions = join(fixtures, 'acme-transitions.csv');

  it('chooses the definition version in force at the start of the period, and says which', () => {
    const versions = join(dir, 'versions');
    mkdirSync(versions, { recursive: true });
    writeFileSync(join(versions, 'v1.yaml'), acme().replace('version: 2026-10', 'version: v1\neffectiveFrom: 2026-09-01'));
    writeFileSync(
      join(versions, 'v2.yaml'),
      acme().replace('version: 2026-10', 'version: v2\neffectiveFrom: 2026-12-01').replace('target: 99.9', 'target: 99.99'),
    );
    const notes: string[] = [];
    const oct = JSON.parse(runSlaCompute({ definition: versions, transitions, period: '2026-10', format: 'json', note: (l) => notes.push(l) }));
    expect(oct).toMatchObject({ definitionVersion: 'v1', definitionEffectiveFrom: '2026-08-31T22:00:00.000Z' });
    expect(oct.services[0].target).toBe(99.9);
    expect(notes).toEqual([expect.stringContaining('definition version v1 (effective from 2026-08-31T22:00:00.000Z) of 2 version(s)')]);
    const dec = JSON.parse(
      runSlaCompute({ definition: [join(versions, 'v1.yaml'), join(versions, 'v2.yaml')], transitions, period: '2026-12', format: 'json' }),
    );
    expect(dec).toMatchObject({ definitionVersion: 'v2' });
    expect(dec.services[0].target).toBe(99.99);
  });

  it('refuses a period before every version instead of using a later contract', () => {
    const f = join(dir, 'dec-only.yaml');
    writeFileSync(f, acme().replace('version: 2026-10', 'version: v2\neffectiveFrom: 2026-12-01'));
    expect(() => runSlaCompute({ definition: f, transitions, period: '2026-10', format: 'json' })).toThrowError(
      expect.objectContaining({
        code: 'VIGIL_ERR_DEFINITION_NOT_IN_FORCE',
        message: expect.stringContaining('version v2, is effective from 2026-11-30T23:00:00.000Z'),
      }),
    );
  });

  it('applies the carve-outs of an exclusions file and lists them with reason and author', () => {
    const f = join(dir, 'exclusions.yaml');
    // outage A (10:02–10:20Z, 18 min of downtime) lies inside this carve-out
    writeFileSync(
      f,
      'exclusions:\n  - { service: network, start: "2026-10-05T10:00:00Z", end: "2026-10-05T11:00:00Z", reason: "carrier outage, ticket 4711", addedBy: jane }\n',
    );
    const without = JSON.parse(runSlaCompute({ definition: join(fixtures, 'acme.yaml'), transitions, period: '2026-10', format: 'json' })).services[0];
    const withIt = JSON.parse(runSlaCompute({ definition: join(fixtures, 'acme.yaml'), transitions, period: '2026-10', exclusions: f, format: 'json' }))
      .services[0];
    expect(withIt.excludedSeconds).toBe(3600);
    expect(withIt.downtimeSeconds).toBe(without.downtimeSeconds - 18 * 60);
    expect(withIt.measuredSeconds).toBe(without.measuredSeconds - 3600);
    expect(withIt.exclusions).toEqual([
      { start: '2026-10-05T10:00:00.000Z', end: '2026-10-05T11:00:00.000Z', reason: 'carrier outage, ticket 4711', addedBy: 'jane' },
    ]);
  });

  it('rejects a bad exclusions file listing every problem with its path', () => {
    const f = join(dir, 'bad-exclusions.yaml');
    writeFileSync(
      f,
      [
        '- { service: voice, start: "2026-10-05T10:00:00Z", end: "2026-10-05T11:00:00Z", reason: r, addedBy: a }',
        '- { service: network, start: "2026-10-05T10:00", end: "2026-10-05T11:00:00Z", reason: r, addedBy: a }',
        '- { service: network, start: "2026-10-05T12:00:00Z", end: "2026-10-05T11:00:00Z", reason: r, addedBy: a }',
      ].join('\n'),
    );
    expect(() => runSlaCompute({ definition: join(fixtures, 'acme.yaml'), transitions, period: '2026-10', exclusions: f, format: 'json' })).toThrowError(
      expect.objectContaining({
        code: 'VIGIL_ERR_DEFINITION_INVALID',
        problems: [
          expect.objectContaining({ path: '/0/service', message: expect.stringContaining('no service "voice"') }),
          expect.objectContaining({ path: '/1/start' }),
          expect.objectContaining({ path: '/2/end', message: 'must be after start' }),
        ],
      }),
    );
  });

  it('judges a down run across the end of the period on its whole length, whenever computed', () => {
    const def = join(dir, 'edge.yaml');
    writeFileSync(
      def,
      'client: edge\ntimezone: UTC\nservices:\n  - { id: wan, target: 99.9, members: [r1], downtime: { when: { membersDown: 1 }, minDuration: 5m } }\n',
    );
    const csv = join(dir, 'edge.csv');
    writeFileSync(csv, 'timestamp,check,state\n2026-10-01T00:00:00Z,r1,up\n2026-10-31T23:57:00Z,r1,down\n2026-11-01T00:07:00Z,r1,up\n');
    const at = (asOf?: string) =>
      JSON.parse(runSlaCompute({ definition: def, transitions: csv, period: '2026-10', format: 'json', ...(asOf ? { asOf } : {}) })).services[0];
    expect(at()).toMatchObject({ downtimeSeconds: 180, downAtPeriodEnd: false });
    expect(at('2027-01-01T00:00:00Z')).toMatchObject({ downtimeSeconds: 180 });
    expect(at('2026-11-01T00:01:00Z')).toMatchObject({ downtimeSeconds: 0, downAtPeriodEnd: true }); // 4 min so far: not yet judged
  });
});
