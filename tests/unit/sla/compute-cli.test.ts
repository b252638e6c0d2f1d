import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
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
});
