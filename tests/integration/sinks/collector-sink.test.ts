import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { VigilError } from '../../../shared/errors.js';
import { startCollector } from '../../../collector/src/server.js';
import { tempDir, waitFor } from '../../helpers/net.js';
import { capturedLogger, checkBatch } from './sink-fixture.js';
import { sinkCollector } from './sink-collector.js';
import { startWriteServer } from './write-server.js';

const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});
const T0 = Date.now() - 5 * 60_000;

describe('the collector with a misconfigured InfluxDB sink', () => {
  it('a bad URL stops the start with a config error naming /sinks/0/url, before anything listens', async () => {
    const dir = tempDir();
    cleanup.push(() => dir.remove());
    const file = join(dir.path, 'collector.yaml');
    writeFileSync(
      file,
      `dataDir: ${dir.path}\nsinks:\n  - { type: influxdb, url: "influx.msp.example:8086", org: msp, bucket: vigil, token: "${'t'.repeat(20)}" }\n`,
    );
    const err = (await startCollector(file).then(
      () => undefined,
      (e: unknown) => e,
    )) as VigilError;
    expect(err.code).toBe('VIGIL_ERR_CONFIG_INVALID');
    expect(err.problems).toEqual([{ path: '/sinks/0/url', message: expect.stringMatching(/scheme influx\.msp\.example: is not http/) }]);
  });

  it('a wrong token (401) and a server that hangs never hold up ingest: counted, retried, logged; all written once it accepts', async () => {
    const server = await startWriteServer({ kind: 'hang' });
    cleanup.push(() => server.close());
    const log = capturedLogger();
    const c = await sinkCollector(server.url, { batchSize: 100, timeout: '30s', retry: { minDelay: '20ms', maxDelay: '200ms' } }, log.logger);
    cleanup.push(() => c.close());
    const ingest = async (from: number, to: number) => {
      for (let n = from; n <= to; n++) expect(await c.ingest(checkBatch(n, 50, T0).samples)).toEqual({ status: 200, accepted: 50 });
    };
    await ingest(1, 2);
    await waitFor(() => server.hanging() >= 1 || undefined, 'the first write held open by the server');
    // the sink's write has no answer (its timeout is 30 s): ingest answers anyway, batch after batch
    await ingest(3, 20);
    expect(server.hanging()).toBe(1);
    expect(await c.metric('vigil_sink_points_buffered', { sink: 'tsdb' })).toBe(1000);

    server.set({ kind: 'status', status: 401, body: '{"code":"unauthorized","message":"unauthorized access"}' });
    server.cut(); // the hung write fails (connection reset) and is sent again: now to a server that refuses the token
    await ingest(21, 30);
    await waitFor(
      async () => (await c.metric('vigil_sink_write_failures_total', { sink: 'tsdb', cause: 'http_401' })) >= 3 || undefined,
      'three refused writes',
    );
    expect(await c.metric('vigil_sink_points_retried_total', { sink: 'tsdb' })).toBeGreaterThanOrEqual(400);
    expect(await c.metric('vigil_sink_points_written_total', { sink: 'tsdb' })).toBe(0);
    expect(await c.metric('vigil_sink_points_dropped_total', { sink: 'tsdb' })).toBe(0);
    expect(await c.metric('vigil_sink_points_buffered', { sink: 'tsdb' })).toBe(1500);
    const warned = log.lines.filter((l) => l.cause === 'http_401');
    expect(warned).toHaveLength(1); // one line for the condition, however many attempts
    expect(warned[0]).toMatchObject({ level: 40, sink: 'tsdb', url: server.url, bucket: 'vigil' });
    expect(warned[0]!.msg).toMatch(/token is not accepted/);

    server.set({ kind: 'accept' });
    await waitFor(async () => (await c.metric('vigil_sink_points_buffered', { sink: 'tsdb' })) === 0 || undefined, 'the buffer drained');
    expect(await c.metric('vigil_sink_points_written_total', { sink: 'tsdb' })).toBe(1500);
    expect(server.accepted()).toHaveLength(1500);
    expect(new Set(server.accepted()).size).toBe(1500);
  });
});
