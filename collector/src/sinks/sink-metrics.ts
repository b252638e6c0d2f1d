import { Counter, Gauge, type Metric, type Registry } from 'prom-client';

/** Why points left a sink unwritten (the `reason` label of vigil_sink_points_dropped_total). */
export type SinkDropReason = 'buffer-full' | 'too-old' | 'disk-refused' | 'too-large' | 'rejected' | 'unreadable' | 'closed';

/** What a sink's buffer holds, read at scrape time. */
export interface SinkBufferFigures {
  points: number;
  bytes: number;
  oldestAgeSeconds: number;
}

/**
 * The sinks' figures on /metrics, labelled by sink name. Made before the collector's registry
 * exists (sinks are opened before buildApp) and registered in it afterwards (register()).
 */
export class SinkMetrics {
  private readonly written = new Counter({
    name: 'vigil_sink_points_written_total',
    help: 'Points the sink wrote (acknowledged by InfluxDB or VictoriaMetrics)',
    labelNames: ['sink'],
    registers: [],
  });
  private readonly retried = new Counter({
    name: 'vigil_sink_points_retried_total',
    help: 'Points of write attempts that failed and will be sent again (they stay in the buffer)',
    labelNames: ['sink'],
    registers: [],
  });
  private readonly dropped = new Counter({
    name: 'vigil_sink_points_dropped_total',
    help: 'Points the sink gave up on, by reason (buffer-full, too-old, disk-refused, rejected by the server, unreadable, closed)',
    labelNames: ['sink', 'reason'],
    registers: [],
  });
  private readonly failures = new Counter({
    name: 'vigil_sink_write_failures_total',
    help: 'Failed write requests by cause (http_<status>, a network error code, timeout)',
    labelNames: ['sink', 'cause'],
    registers: [],
  });
  private readonly sources = new Map<string, () => SinkBufferFigures>();
  private readonly gauges: Gauge[];

  constructor() {
    const sources = this.sources;
    const gauge = (name: string, help: string, figure: keyof SinkBufferFigures) =>
      new Gauge({
        name,
        help,
        labelNames: ['sink'],
        registers: [],
        collect() {
          this.reset();
          for (const [sink, read] of sources) this.set({ sink }, read()[figure]);
        },
      });
    this.gauges = [
      gauge('vigil_sink_points_buffered', 'Points waiting to be written (on disk and the few not yet sealed into the buffer)', 'points'),
      gauge('vigil_sink_buffer_bytes', 'Bytes of the sink buffer on disk (bounded by buffer.maxBytes)', 'bytes'),
      gauge('vigil_sink_oldest_point_age_seconds', 'Time the oldest buffered batch has waited (0 when none)', 'oldestAgeSeconds'),
    ];
  }

  /** A sink by name, its counters shown at 0 from the start. */
  watch(sink: string, figures: () => SinkBufferFigures): void {
    this.sources.set(sink, figures);
    this.written.inc({ sink }, 0);
    this.retried.inc({ sink }, 0);
    for (const reason of ['buffer-full', 'too-old', 'rejected'] as const) this.dropped.inc({ sink, reason }, 0);
  }

  pointsWritten(sink: string, n: number): void {
    this.written.inc({ sink }, n);
  }

  pointsRetried(sink: string, n: number, cause: string): void {
    this.retried.inc({ sink }, n);
    this.failures.inc({ sink, cause });
  }

  writeFailed(sink: string, cause: string): void {
    this.failures.inc({ sink, cause });
  }

  pointsDropped(sink: string, reason: SinkDropReason, n: number): void {
    this.dropped.inc({ sink, reason }, n);
  }

  /** Current counts (tests and logs), summed over reasons for drops. */
  async totals(sink: string): Promise<{ written: number; retried: number; dropped: number }> {
    const sum = async (c: Counter) => (await c.get()).values.filter((v) => v.labels.sink === sink).reduce((n, v) => n + v.value, 0);
    return { written: await sum(this.written), retried: await sum(this.retried), dropped: await sum(this.dropped) };
  }

  register(registry: Registry): void {
    for (const m of [this.written, this.retried, this.dropped, this.failures, ...this.gauges] as Metric[]) registry.registerMetric(m);
  }
}
