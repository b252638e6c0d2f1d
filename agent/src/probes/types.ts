import type { TSchema, Static } from 'typebox';
import type { Clock } from '../../../shared/clock.js';
import type { Logger } from '../../../shared/logger.js';
import type { FailureReason } from '../../../shared/protocol/v1/batch.js';
import type { ProbeRuntime } from './runtime.js';

export type { FailureReason };

/**
 * What a probe returns. A probe measures and returns data: failure is a result with a
 * reason, never an exception (blackbox_exporter style). The scheduler, not each probe,
 * judges quality thresholds (judgeQuality in quality.ts: an `up` result with a low `mos`
 * becomes degraded), stamps ts/checkId/labels and turns this into a wire CheckResultSample.
 */
export interface ProbeResult {
  status: 'up' | 'down' | 'degraded';
  reason?: FailureReason;
  message?: string;
  /** Wall time of the whole probe, ms. */
  durationMs: number;
  /** Measured figures with unit suffix in the key: `connect_seconds`, `loss_ratio`, `mos` … */
  metrics: Record<string, number>;
}

export interface ProbeContext {
  /** Aborted at the check's timeout (or agent shutdown). Probes must honour it. */
  signal: AbortSignal;
  timeoutMs: number;
  clock: Clock;
  logger: Logger;
  /** The agent's probe state (pacer, sockets, clients): probes keep nothing in module variables. */
  runtime: ProbeRuntime;
}

/**
 * One protocol. `options` is the TypeBox schema for the check's protocol-specific
 * options (validated at config load, every problem with its path). `describe` gives
 * a human target string (URL, host:port). `preflight` runs once at agent start-up
 * and may throw a VigilError naming a fix (e.g. ICMP without CAP_NET_RAW).
 */
export interface Probe<S extends TSchema = TSchema> {
  readonly type: string;
  readonly options: S;
  /** Sends paced packets over a while (VoIP stream, ICMP round): scheduled apart from the other checks' burst. */
  readonly paced?: boolean;
  describe(options: Static<S>): string;
  run(options: Static<S>, ctx: ProbeContext): Promise<ProbeResult>;
  preflight?(options: Static<S>[]): Promise<void>;
}

/** Helper so each probe file gets its option type inferred from its schema. */
export function defineProbe<S extends TSchema>(probe: Probe<S>): Probe<S> {
  return probe;
}
