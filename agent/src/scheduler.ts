import { createHash } from 'node:crypto';
import type { Clock } from '../../shared/clock.js';
import type { Logger } from '../../shared/logger.js';
import type { CheckResultSample } from '../../shared/protocol/v1/batch.js';
import type { CheckConfig } from './config.js';
import type { ProbeRegistry } from './probes/registry.js';

/** Deterministic first-run offset in [0, interval): spreads checks so they don't fire together. */
export function jitterOffset(id: string, intervalMs: number): number {
  return createHash('sha1').update(id).digest().readUInt32BE(0) % Math.max(1, intervalMs);
}

/** Runs one check once (with retries), never throws: the result is wire-ready. */
export async function runCheck(c: CheckConfig, registry: ProbeRegistry, clock: Clock, logger: Logger, stop?: AbortSignal): Promise<CheckResultSample> {
  const probe = registry.get(c.type)!;
  const ts = clock.now();
  let last: Awaited<ReturnType<typeof probe.run>> | undefined;
  for (let attempt = 0; attempt <= c.retries; attempt++) {
    // One controller per attempt, its timer cleared when the probe returns: AbortSignal.timeout
    // would wake the process once more per check after the fact, and AbortSignal.any keeps a
    // dependant entry on the long-lived stop signal for every run.
    const attemptCtl = new AbortController();
    const abort = () => attemptCtl.abort(stop?.aborted ? stop.reason : new DOMException('The operation was aborted due to timeout', 'TimeoutError'));
    const timer = setTimeout(abort, c.timeoutMs);
    if (stop?.aborted) abort();
    else stop?.addEventListener('abort', abort, { once: true });
    try {
      last = await probe.run(c.options as never, { signal: attemptCtl.signal, timeoutMs: c.timeoutMs, clock, logger });
    } catch (e) {
      last = { status: 'down', reason: 'error', message: `probe failed: ${(e as Error).message}`, durationMs: 0, metrics: {} };
    } finally {
      clearTimeout(timer);
      stop?.removeEventListener('abort', abort);
    }
    if (last.status === 'up') break;
  }
  const r = last!;
  return {
    kind: 'check', checkId: c.id, type: c.type, ts, status: r.status, durationMs: Math.max(0, r.durationMs),
    ...(r.reason ? { reason: r.reason } : {}), ...(r.message ? { message: r.message.slice(0, 1024) } : {}),
    metrics: Object.fromEntries(Object.entries(r.metrics).filter(([, v]) => Number.isFinite(v))),
    labels: c.labels, target: probe.describe(c.options as never).slice(0, 512),
  };
}

/** Each check on its own interval, first run spread by jitter, never two runs of one check at once. */
export class Scheduler {
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly running = new Set<string>();
  private readonly stop = new AbortController();

  constructor(
    private readonly checks: readonly CheckConfig[],
    private readonly registry: ProbeRegistry,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly onResult: (r: CheckResultSample) => void,
  ) {}

  start(): void {
    for (const c of this.checks) {
      const first = setTimeout(() => {
        this.fire(c);
        const t = setInterval(() => this.fire(c), c.intervalMs);
        this.timers.add(t);
      }, jitterOffset(c.id, Math.min(c.intervalMs, 10_000)));
      this.timers.add(first);
    }
  }

  private fire(c: CheckConfig): void {
    if (this.running.has(c.id)) {
      this.logger.warn({ check: c.id }, 'previous run still going; skipping this one');
      return;
    }
    this.running.add(c.id);
    void runCheck(c, this.registry, this.clock, this.logger, this.stop.signal)
      .then((r) => this.onResult(r))
      .finally(() => this.running.delete(c.id));
  }

  close(): void {
    this.stop.abort();
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }
}
