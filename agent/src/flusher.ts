import type { Clock } from '../../shared/clock.js';

/** What the flusher drives: agent/src/transport.ts. */
export interface Flushable {
  flush(): Promise<void>;
  /** Samples or batches not delivered yet. */
  readonly hasUndelivered: boolean;
  /** Wall-clock ms before which a retry after a failed delivery must not start. */
  readonly retryAt: number;
}

/**
 * When results go to the collector. As soon as the agent is idle (the last running check of a
 * burst has reported), at most once per `gapMs`, never later than `gapMs` after a result, and
 * after a failed delivery at the transport's retry time. No timer runs while nothing waits: a
 * fixed flush timer would wake an idle agent every couple of seconds for nothing, and on an
 * endpoint the wake-up is what costs CPU (docs/agent-footprint.md).
 */
export class Flusher {
  private timer: NodeJS.Timeout | undefined;
  private dueAt = Infinity;
  private lastAt = -Infinity;
  private flushing = false;
  private closed = false;

  /** `onFlushed`: after every flush, delivered or not (the agent trims its heap there when idle). */
  constructor(
    private readonly target: Flushable,
    private readonly clock: Clock,
    private readonly gapMs: number,
    private readonly onFlushed?: () => void,
  ) {}

  /** A result was added; `idle`: no other check is running. */
  request(idle: boolean): void {
    this.schedule(idle ? 0 : this.gapMs);
  }

  private schedule(delayMs: number): void {
    if (this.closed) return;
    const now = this.clock.now();
    const at = Math.max(now + delayMs, this.lastAt + this.gapMs, this.target.retryAt);
    if (at >= this.dueAt) return; // a flush at or before `at` is already armed
    clearTimeout(this.timer);
    this.dueAt = at;
    this.timer = setTimeout(() => void this.run(), Math.max(0, at - now));
  }

  private async run(): Promise<void> {
    this.timer = undefined;
    this.dueAt = Infinity;
    if (this.flushing) return; // the running flush reschedules what is left
    this.flushing = true;
    this.lastAt = this.clock.now();
    try {
      await this.target.flush();
    } finally {
      this.flushing = false;
    }
    if (this.target.hasUndelivered) this.schedule(this.gapMs);
    this.onFlushed?.();
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
  }
}
