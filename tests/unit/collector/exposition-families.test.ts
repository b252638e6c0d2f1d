import { afterEach, describe, expect, it } from 'vitest';
import { parseExposition } from './exposition.js';
import { AS_ADMIN, collectorFixture } from './fixture.js';

/** network: one member; lab: inside its daily maintenance window 09:00–11:00 UTC at the fixture's 10:00. */
const DEFS = [
  'client: acme',
  'timezone: UTC',
  'services:',
  '  - { id: network, target: 99.9, members: [fw-1] }',
  '  - id: lab',
  '    target: 99',
  '    members: [lab-1]',
  '    maintenance:',
  '      - rrule: |',
  '          DTSTART:20261001T090000Z',
  '          RRULE:FREQ=DAILY',
  '        duration: 2h',
  '',
].join('\n');

let f: Awaited<ReturnType<typeof collectorFixture>>;
afterEach(async () => f?.close());

const scrape = async () => {
  const res = await f.app.inject({ headers: AS_ADMIN, url: '/metrics' });
  expect(res.statusCode).toBe(200);
  return parseExposition(res.body).series;
};
const value = (series: ReturnType<typeof parseExposition>['series'], name: string, labels: Record<string, string>) =>
  series.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v)).map((s) => s.value);

describe('the families the dashboards read beside the check series', () => {
  it('open incidents with the start of the oldest, the period’s downtime, incidents and maintenance, store calls and the engine’s lag', async () => {
    f = await collectorFixture({ state: { confirmDown: 1, confirmUp: 1 } }, DEFS);
    const a = await f.enroll('edge-1');
    const t0 = f.clock.now();
    expect((await f.ingest(a, [{ check: 'fw-1', status: 'up', ts: t0 - 60_000 }])).statusCode).toBe(200);
    expect((await f.ingest(a, [{ check: 'fw-1', status: 'down', ts: t0 - 30_000 }])).statusCode).toBe(200);
    expect((await f.ingest(a, [{ check: 'lab-1', status: 'up', ts: t0 - 30_000 }])).statusCode).toBe(200);
    await f.engine.idle();
    const series = await scrape();

    const incident = { client: 'acme', service: 'network', kind: 'service-down', acknowledged: 'false' };
    expect(value(series, 'vigil_incidents_open', incident)).toEqual([1]);
    expect(value(series, 'vigil_incidents_open_oldest_start_timestamp_seconds', incident)).toEqual([(t0 - 30_000) / 1000]);
    expect(value(series, 'vigil_sla_downtime_seconds', { client: 'acme', service: 'network' })).toEqual([30]);
    expect(value(series, 'vigil_sla_period_incidents', { client: 'acme', service: 'network' })).toEqual([1]);
    expect(value(series, 'vigil_sla_maintenance_active', { client: 'acme', service: 'network' })).toEqual([0]);
    expect(value(series, 'vigil_sla_maintenance_active', { client: 'acme', service: 'lab' })).toEqual([1]);
    expect(value(series, 'vigil_sla_excluded_seconds', { client: 'acme', service: 'lab' })).toEqual([0]);

    expect(value(series, 'vigil_store_operation_duration_seconds_count', { operation: 'checks.ingestBatch' })).toEqual([3]);
    expect(value(series, 'vigil_engine_event_lag_seconds_count', { event: 'check' })).toEqual([f.checkEvents.length]);
    expect(value(series, 'vigil_engine_event_lag_seconds_count', { event: 'service' })).toEqual([f.serviceEvents.length]);
    expect(f.checkEvents.length).toBeGreaterThanOrEqual(2); // unknown → up → down
    expect(value(series, 'vigil_http_refused_total', { reason: 'connection-cap' })).toEqual([0]);
  });
});
