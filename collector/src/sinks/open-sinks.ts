import type { Clock } from '../../../shared/clock.js';
import type { Logger } from '../../../shared/logger.js';
import type { Registry } from 'prom-client';
import { InfluxDbSink } from './influxdb-sink.js';
import type { SinkConfig } from './sink-config.js';
import { SinkMetrics } from './sink-metrics.js';
import type { Sink } from './types.js';

export interface OpenSinks {
  readonly sinks: Sink[];
  readonly metrics: SinkMetrics;
  /** Puts the sinks' figures on the collector's /metrics. */
  register(registry: Registry): void;
  /** Seals and closes every sink (after ingest has stopped). */
  close(): Promise<void>;
}

/**
 * The sinks of `sinks:` in collector.yaml, each with its disk buffer opened (a buffer directory that
 * cannot be used stops the start with a coded error; what was buffered before a restart is sent first).
 */
export function openSinks(configs: readonly SinkConfig[], deps: { clock: Clock; logger: Logger; random?: () => number }): OpenSinks {
  const metrics = new SinkMetrics();
  const sinks: Sink[] = [];
  try {
    for (const cfg of configs) sinks.push(new InfluxDbSink(cfg, { ...deps, metrics }));
  } catch (e) {
    void Promise.all(sinks.map((s) => s.close()));
    throw e;
  }
  for (const cfg of configs) deps.logger.info({ sink: cfg.name, url: cfg.url, org: cfg.org, bucket: cfg.bucket, buffer: cfg.buffer.dir }, 'sink opened');
  return {
    sinks,
    metrics,
    register: (registry) => metrics.register(registry),
    async close() {
      await Promise.all(sinks.map((s) => s.close()));
    },
  };
}
