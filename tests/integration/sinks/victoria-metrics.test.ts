import { afterAll, describe, expect, it } from 'vitest';
import type { Sample } from '../../../shared/protocol/v1/batch.js';
import { tempDir, waitFor } from '../../helpers/net.js';
import { sinkCollector, type SinkCollector } from './sink-collector.js';
import { startVictoriaMetrics } from './victoria-metrics.js';

const vmDir = tempDir();
const cleanup: Array<() => Promise<void> | void> = [() => vmDir.remove()];
afterAll(async () => {
  for (const f of cleanup.reverse()) await f();
});

const CHECKS = 20;
/** Samples are dated from 10 minutes ago, 1 ms apart per batch: distinct per series, inside the collector's window. */
const T0 = Date.now() - 10 * 60_000;

/** Batch n: a result of each check (with two probe figures) and five host metrics. */
function batch(n: number): Sample[] {
  const ts = T0 + n;
  const samples: Sample[] = [];
  for (let k = 0; k < CHECKS; k++)
    samples.push({
      kind: 'check',
      checkId: `web-${k}`,
      type: 'http',
      ts,
      status: (n + k) % 11 === 0 ? 'down' : (n + k) % 13 === 0 ? 'degraded' : 'up',
      durationMs: ((n * 7 + k) % 900) + 0.25,
      metrics: { first_byte_seconds: ((n + k) % 500) / 1000, http_status: (n + k) % 11 === 0 ? 503 : 200 },
      labels: { service: `svc-${k % 4}` },
    });
  samples.push({ kind: 'metric', name: 'host_cpu_usage_ratio', ts, value: (n % 100) / 100 });
  for (const mount of ['/', '/var', 'C:\\']) samples.push({ kind: 'metric', name: 'host_disk_used_bytes', ts, value: 1e9 + n * 4096, labels: { mount } });
  samples.push({ kind: 'metric', name: 'host_net_rx_bytes', ts, value: n * 1500.5, labels: { interface: 'eth0' } });
  return samples;
}

/**
 * What VictoriaMetrics must hold for the samples sent, written out here from the README's naming
 * (not from the sink's code): series key (name and sorted labels) and timestamp → value.
 */
function expected(sent: Sample[], agent: string): Map<string, number> {
  const out = new Map<string, number>();
  const put = (name: string, labels: Record<string, string>, ts: number, v: number) => out.set(`${key(name, labels)}@${ts}`, v);
  for (const s of sent) {
    if (s.kind === 'check') {
      const l = { agent, check: s.checkId, client: 'acme', service: s.labels!.service!, site: 'hq', type: 'http' };
      put('vigil_check_up', l, s.ts, s.status === 'up' ? 1 : 0);
      put('vigil_check_degraded', l, s.ts, s.status === 'degraded' ? 1 : 0);
      put('vigil_check_duration_seconds', l, s.ts, s.durationMs / 1000);
      for (const [k, v] of Object.entries(s.metrics!)) put(`vigil_probe_${k}`, l, s.ts, v);
    } else put(`vigil_${s.name}`, { agent, client: 'acme', site: 'hq', ...s.labels }, s.ts, s.value);
  }
  return out;
}
const key = (name: string, labels: Record<string, string>) =>
  `${name}{${Object.entries(labels)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .join(',')}}`;

/** Ingest as fast as the collector answers, one batch at a time, until stopped; every sample must be accepted. */
function load(c: SinkCollector) {
  const sent: Sample[] = [];
  let n = 0;
  let running = true;
  const done = (async () => {
    while (running) {
      const samples = batch(++n);
      const r = await c.ingest(samples);
      if (r.status !== 200 || r.accepted !== samples.length) throw new Error(`ingest answered ${r.status}, accepted ${r.accepted}`);
      sent.push(...samples);
    }
  })();
  done.catch(() => undefined); // seen by stop()
  return { sent, batches: () => n, stop: async () => ((running = false), await done) };
}

describe('InfluxDB sink against a real VictoriaMetrics (InfluxDB v2 write API)', () => {
  it('stopped under load and started again: nothing lost, every count and value read back equal to what was ingested', async () => {
    const vm = await startVictoriaMetrics(vmDir.path);
    cleanup.push(() => vm.stop());
    const c = await sinkCollector(vm.url, { batchSize: 500, retry: { minDelay: '50ms', maxDelay: '400ms' } });
    cleanup.push(() => c.close());
    const l = load(c);
    const written = () => c.metric('vigil_sink_points_written_total', { sink: 'tsdb' });
    await waitFor(async () => (await written()) >= 2000 || undefined, '2,000 points written while VictoriaMetrics runs', 30_000);

    await vm.stop();
    const atStop = l.batches();
    // the outage lasts until the collector has taken 150 more batches and the sink has failed at least three times
    await waitFor(
      async () =>
        (l.batches() - atStop >= 150 && (await c.metric('vigil_sink_write_failures_total', { sink: 'tsdb', cause: 'econnrefused' })) >= 3) || undefined,
      'ingest going on while VictoriaMetrics is down',
      30_000,
    );
    const buffered = await c.metric('vigil_sink_points_buffered', { sink: 'tsdb' });
    expect(buffered).toBeGreaterThanOrEqual(150 * 25 - 500); // at most one write's worth still in flight or staged
    expect(await c.metric('vigil_sink_points_retried_total', { sink: 'tsdb' })).toBeGreaterThan(0);

    await vm.restart();
    const atStart = l.batches();
    await waitFor(() => l.batches() - atStart >= 100 || undefined, 'load after the restart', 30_000);
    await l.stop();
    const lines = l.sent.length;
    await waitFor(
      async () => ((await written()) === lines && (await c.metric('vigil_sink_points_buffered')) === 0) || undefined,
      'every point written',
      30_000,
    );
    expect(await c.metric('vigil_sink_points_dropped_total', { sink: 'tsdb' })).toBe(0);

    const want = expected(l.sent, c.agentId);
    const got = new Map<string, number>();
    await waitFor(
      async () => {
        got.clear();
        for (const s of await vm.export('{__name__=~"vigil_.*"}')) {
          const { __name__, ...labels } = s.metric;
          s.timestamps.forEach((ts, i) => got.set(`${key(__name__!, labels)}@${ts}`, s.values[i]!));
        }
        return got.size >= want.size || undefined;
      },
      `all ${want.size} samples readable from VictoriaMetrics`,
      30_000,
    );
    expect(got.size).toBe(want.size);
    const wrong = [...want].filter(([k, v]) => got.get(k) !== v).slice(0, 5);
    expect(wrong).toEqual([]);
    expect(l.batches()).toBeGreaterThan(250);
  }, 60_000);
});
