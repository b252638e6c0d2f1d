import { readdirSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../../shared/clock.js';
import { silentLogger } from '../../../shared/logger.js';
import { InfluxDbSink } from '../../../collector/src/sinks/influxdb-sink.js';
import { InfluxWriter } from '../../../collector/src/sinks/influxdb-writer.js';
import { sampleLine } from '../../../collector/src/sinks/line-protocol.js';
import { freePort, tempDir, waitFor } from '../../helpers/net.js';
import { AGENT, TOKEN, capturedLogger, checkBatch, sinkConfig, sinkMetrics } from './sink-fixture.js';
import { startWriteServer, type WriteServer } from './write-server.js';

const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});
const T0 = Date.parse('2026-10-01T00:00:00Z');
const linesOf = (batches: ReturnType<typeof checkBatch>[]) => batches.flatMap((b) => b.samples.map((s) => sampleLine(s, AGENT)!));

async function setup(mode?: Parameters<typeof startWriteServer>[0]) {
  const server = await startWriteServer(mode);
  const dir = tempDir();
  const m = sinkMetrics();
  const log = capturedLogger();
  cleanup.push(
    () => dir.remove(),
    () => server.close(),
  );
  return { server, dir: dir.path, m, log };
}

function open(server: { url: string } | string, dir: string, m: ReturnType<typeof sinkMetrics>, logger = silentLogger(), extra = {}) {
  const sink = new InfluxDbSink(sinkConfig(typeof server === 'string' ? server : server.url, dir, extra), { clock: systemClock, logger, metrics: m.metrics });
  cleanup.push(() => sink.close());
  return sink;
}

describe('InfluxDB sink: buffer, batching, retry', () => {
  it('writes every point once and in order, in writes of batchSize points, with the token, org, bucket and ms precision', async () => {
    const { server, dir, m } = await setup();
    const sink = open(server, dir, m);
    const batches = Array.from({ length: 10 }, (_, i) => checkBatch(i + 1, 30, T0));
    for (const b of batches) sink.write(b, AGENT);
    await waitFor(() => server.accepted().length === 300 || undefined, '300 lines accepted');
    await sink.flush();
    expect(server.accepted()).toEqual(linesOf(batches));
    expect(Math.max(...server.requests.map((r) => r.lines.length))).toBeLessThanOrEqual(100);
    expect(server.requests.every((r) => r.path === '/api/v2/write?org=msp&bucket=vigil&precision=ms' && r.authorization === `Token ${TOKEN}`)).toBe(true);
    expect(await m.value('vigil_sink_points_written_total', { sink: 'influx-test' })).toBe(300);
    expect(await m.value('vigil_sink_points_retried_total')).toBe(0);
    expect(await m.value('vigil_sink_points_buffered')).toBe(0);
  });

  it('a wrong token (401): counted, retried with backoff, logged once with what to do, nothing dropped; once accepted, everything is written', async () => {
    const { server, dir, m, log } = await setup({ kind: 'status', status: 401, body: '{"code":"unauthorized","message":"unauthorized access"}' });
    const sink = open(server, dir, m, log.logger);
    const batches = Array.from({ length: 5 }, (_, i) => checkBatch(i + 1, 40, T0));
    for (const b of batches) sink.write(b, AGENT);
    await waitFor(() => server.requests.length >= 4 || undefined, 'four refused attempts');
    expect(await m.value('vigil_sink_points_written_total')).toBe(0);
    expect(await m.value('vigil_sink_points_dropped_total')).toBe(0);
    expect(await m.value('vigil_sink_points_buffered')).toBe(200);
    expect(await m.value('vigil_sink_points_retried_total')).toBeGreaterThanOrEqual(4 * 100);
    expect(await m.value('vigil_sink_write_failures_total', { cause: 'http_401' })).toBeGreaterThanOrEqual(4);
    const warned = log.lines.filter((l) => l.cause === 'http_401');
    expect(warned).toHaveLength(1); // one line per condition, not per attempt
    expect(warned[0]!.msg).toMatch(/token is not accepted: check token\/tokenFile/);
    expect(warned[0]!.level).toBe(40);
    server.set({ kind: 'accept' });
    await waitFor(() => server.accepted().length === 200 || undefined, 'all 200 lines once the token is accepted');
    expect(server.accepted()).toEqual(linesOf(batches));
    expect(await m.value('vigil_sink_points_buffered')).toBe(0);
    expect(await m.value('vigil_sink_points_written_total')).toBe(200);
    await waitFor(() => log.lines.some((l) => /writing again/.test(l.msg)) || undefined, 'the recovery logged');
  });

  it('points the server refuses as malformed (400) are dropped and counted as rejected; the next write goes on', async () => {
    const { server, dir, m } = await setup({ kind: 'status', status: 400, times: 1, body: '{"code":"invalid","message":"partial write"}' });
    const sink = open(server, dir, m);
    sink.write(checkBatch(1, 20, T0), AGENT);
    await sink.flush();
    const second = checkBatch(2, 20, T0);
    sink.write(second, AGENT);
    await sink.flush();
    expect(server.accepted()).toEqual(linesOf([second]));
    expect(await m.value('vigil_sink_points_dropped_total', { reason: 'rejected' })).toBe(20);
    expect(await m.value('vigil_sink_points_written_total')).toBe(20);
    expect(await m.value('vigil_sink_points_retried_total')).toBe(0);
  });

  it('across a restart: what waited on disk and what was only staged at close are sent by the next start, once', async () => {
    const { server, dir, m } = await setup();
    const down = `http://127.0.0.1:${await freePort()}`; // nothing listens: connection refused
    const first = open(down, dir, m, silentLogger(), { flushIntervalMs: 60_000 });
    const sealed = Array.from({ length: 3 }, (_, i) => checkBatch(i + 1, 100, T0)); // batchSize each: sealed at once
    for (const b of sealed) first.write(b, AGENT);
    await waitFor(async () => (await m.value('vigil_sink_write_failures_total', { cause: 'econnrefused' })) >= 2 || undefined, 'refused twice');
    const staged = [checkBatch(4, 30, T0)]; // under batchSize and flushInterval 1 min: staged in memory only
    for (const b of staged) first.write(b, AGENT);
    expect(await m.value('vigil_sink_points_buffered')).toBe(330);
    await first.close();
    expect(readdirSync(dir).filter((f) => f.endsWith('.seg')).length).toBeGreaterThan(0);
    const m2 = sinkMetrics();
    open(server, dir, m2);
    await waitFor(() => server.accepted().length >= 330 || undefined, 'the buffered points sent after the restart');
    expect(server.accepted()).toEqual(linesOf([...sealed, ...staged]));
    expect(await m2.value('vigil_sink_points_written_total')).toBe(330);
  });

  it('a server that never answers: write() returns at once every time, the attempt times out and is retried, close() does not hang', async () => {
    const { server, dir, m } = await setup({ kind: 'hang' });
    const sink = open(server, dir, m, silentLogger(), { timeoutMs: 300 });
    sink.write(checkBatch(1, 100, T0), AGENT);
    await waitFor(() => server.hanging() >= 1 || undefined, 'a write held open');
    // while that request hangs, ingest goes on: 200 more batches are taken and buffered
    for (let i = 2; i <= 201; i++) sink.write(checkBatch(i, 100, T0), AGENT);
    expect(await m.value('vigil_sink_points_buffered')).toBe(20_100);
    await waitFor(() => server.hanging() >= 2 || undefined, 'the timed-out write sent again');
    expect(await m.value('vigil_sink_points_retried_total')).toBeGreaterThanOrEqual(100);
    expect(await m.value('vigil_sink_points_written_total')).toBe(0);
    await sink.close();
  });

  it('bounded: past buffer.maxBytes the oldest points are dropped and counted; written plus dropped is what was offered', async () => {
    const { server, dir, m } = await setup({ kind: 'status', status: 503 });
    const sink = open(server, dir, m, silentLogger(), { buffer: { dir, maxBytes: 1024 ** 2, maxAgeMs: 86_400_000, fsync: 1000 } });
    const batches = Array.from({ length: 150 }, (_, i) => checkBatch(i + 1, 100, T0));
    for (const b of batches) sink.write(b, AGENT);
    const dropped = await m.value('vigil_sink_points_dropped_total', { reason: 'buffer-full' });
    expect(dropped).toBeGreaterThan(0);
    expect(await m.value('vigil_sink_buffer_bytes')).toBeLessThanOrEqual(1024 ** 2);
    server.set({ kind: 'accept' });
    await waitFor(async () => (await m.value('vigil_sink_points_buffered')) === 0 || undefined, 'the buffer drained');
    const written = await m.value('vigil_sink_points_written_total');
    expect(written + dropped).toBe(15_000);
    expect(server.accepted()).toEqual(linesOf(batches).slice(15_000 - written)); // the newest kept, whole and in order
  });
});

describe('InfluxWriter: what an answer means', () => {
  it('429 with Retry-After: retried after the delay it asks for; 413: not retried; connection refused: retried, by errno', async () => {
    const server: WriteServer = await startWriteServer({ kind: 'status', status: 429, headers: { 'retry-after': '2' } });
    cleanup.push(() => server.close());
    const target = { url: server.url, token: TOKEN, org: 'msp', bucket: 'vigil', timeoutMs: 2000 };
    const w = new InfluxWriter(target, () => Date.now());
    cleanup.push(() => w.close());
    expect(await w.write('vigil f=1 1')).toMatchObject({ ok: false, retry: true, cause: 'http_429', status: 429, retryAfterMs: 2000 });
    server.set({ kind: 'status', status: 413 });
    expect(await w.write('vigil f=1 1')).toMatchObject({ ok: false, retry: false, cause: 'http_413' });
    server.set({ kind: 'accept' });
    expect(await w.write('vigil f=1 1\nvigil f=2 2')).toEqual({ ok: true });
    expect(server.accepted()).toEqual(['vigil f=1 1', 'vigil f=2 2']);
    const refused = new InfluxWriter({ ...target, url: `http://127.0.0.1:${await freePort()}` }, () => Date.now());
    cleanup.push(() => refused.close());
    expect(await refused.write('vigil f=1 1')).toMatchObject({ ok: false, retry: true, cause: 'econnrefused' });
  });
});
