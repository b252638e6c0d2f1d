import { Writable } from 'node:stream';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import type { Logger } from '../../../shared/logger.js';
import type { Sample, SampleBatch } from '../../../shared/protocol/v1/batch.js';
import type { InfluxSinkConfig } from '../../../collector/src/sinks/sink-config.js';
import { SinkMetrics } from '../../../collector/src/sinks/sink-metrics.js';

export const TOKEN = 'sink-test-token-0123456789';
export const AGENT = { agentId: 'agent-1', client: 'acme', site: 'hq' };

/** A sink config for tests: short flush and retry delays, small writes. */
export function sinkConfig(url: string, dir: string, extra: Partial<InfluxSinkConfig> = {}): InfluxSinkConfig {
  return {
    type: 'influxdb',
    name: 'influx-test',
    url,
    org: 'msp',
    bucket: 'vigil',
    token: TOKEN,
    batchSize: 100,
    flushIntervalMs: 20,
    timeoutMs: 2000,
    retryMinDelayMs: 20,
    retryMaxDelayMs: 200,
    ...extra,
    buffer: { dir, maxBytes: 64 * 1024 ** 2, maxAgeMs: 7 * 86_400_000, fsync: 1000, ...extra.buffer },
  };
}

/** `n` check results with figures, dated `t0 + seq·n + i` ms (distinct per check and batch). */
export function checkBatch(seq: number, n: number, t0: number, checks = 10): SampleBatch {
  const samples: Sample[] = [];
  for (let i = 0; i < n; i++) {
    const k = (seq * n + i) % checks;
    samples.push({
      kind: 'check',
      checkId: `chk-${k}`,
      type: 'http',
      ts: t0 + seq * n + i,
      status: i % 7 === 0 ? 'down' : 'up',
      durationMs: ((seq * 31 + i) % 997) + 0.5,
      metrics: { first_byte_seconds: ((seq + i) % 100) / 1000, http_status: i % 7 === 0 ? 503 : 200 },
      labels: { service: `svc-${k % 3}` },
    });
  }
  return { agentId: AGENT.agentId, seq, sentAt: t0, samples };
}

/** A log that keeps what is written to it (the collector's pino lines, parsed). */
export function capturedLogger(): { logger: Logger; lines: Array<Record<string, unknown> & { level: number; msg: string }> } {
  const lines: Array<Record<string, unknown> & { level: number; msg: string }> = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      for (const l of String(chunk).split('\n')) if (l) lines.push(JSON.parse(l));
      done();
    },
  });
  return { logger: pino({ level: 'info' }, stream), lines };
}

/** The sink counters as /metrics shows them. */
export function sinkMetrics() {
  const metrics = new SinkMetrics();
  const registry = new Registry();
  metrics.register(registry);
  const value = async (name: string, labels: Record<string, string> = {}) => {
    const m = registry.getSingleMetric(name);
    const got = m ? (await m.get()).values : [];
    return got.filter((v) => Object.entries(labels).every(([k, x]) => v.labels[k] === x)).reduce((n, v) => n + v.value, 0);
  };
  return { metrics, registry, value };
}
