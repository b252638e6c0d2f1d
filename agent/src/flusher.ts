import type { Clock } from '../../shared/clock.js';

/** What the flusher drives: agent/src/transport.ts. */
export interface Flushable {
  flush(): Promise<void>;
  /** Samples or batches not delivered yet. */
  readonly hasUndelivered: boolean;
  /** Samples not sealed into the spool yet: the flush that seals them is not held back by `retryAt` (sealing is local, only sending waits). */
  readonly hasPending?: boolean;
  /** Seals pending samples into the spool without sending: what a flush due while the previous one still waits on the network does. */
  seal?(): void;
  /** Wall-clock ms before which a retry after a failed delivery must not start. */
  readonly retryAt: number;
  /** The last flush stopped only because of the replay rate: flush again at `retryAt`, without waiting for the gap. */
  readonly paced?: boolean;
}

/**
 * When results go to the collector. As soon as the agent is idle (the last running check of a
 * burst has reported), at most once per `gapMs`, never later than `gapMs` after a result, and
 * after a failed delivery at the transport's retry time — but new results are sealed into the
 * spool at the usual pace even then, so an outage does not keep them in memory — and a backlog
 * held back by the replay rate at the time the rate allows. No timer runs while nothing waits: a
 * fixed flush timer would wake an idle agent every couple of seconds for nothing, and on an
 * endpoint the wake-up is what costs CPU (docs/agent-footprint.md).
 */
export class Flusher {
  private timer: NodeJS.Timeout | undefined;
  private dueAt = Infinity;
  private lastAt = -Infinity;
  private flushing = false;
  private closed = false;
  /** An urgent result came while a flush was running: the next flush follows at once, not after the gap. */
  private urgent = false;

  /** `onFlushed`: after every flush, delivered or not (the agent trims its heap there when idle). */
  constructor(
    private readonly target: Flushable,
    private readonly clock: Clock,
    private readonly gapMs: number,
    private readonly onFlushed?: () => void,
  ) {}

  /**
   * A result was added; `idle`: no other check is running. `urgent`: a confirming re-probe of a
   * failed check (scheduler.ts), sent at once, without waiting for the burst or the gap — one
   * extra request per failure streak, which is what makes a DOWN confirmed in seconds.
   */
  request(idle: boolean, urgent = false): void {
    if (!urgent) return void this.schedule(idle ? 0 : this.gapMs);
    this.urgent = true;
    this.scheduleAt(Math.max(this.clock.now(), this.target.hasPending ? 0 : this.target.retryAt));
  }

  /**
   * A result that can wait up to `ms` for a delivery made anyway (the next burst's): it arms no
   * earlier request of its own. A paced check's steady result rides with the next round's burst
   * instead of costing a request half a slot after it (docs/agent-footprint.md).
   */
  hold(ms: number): void {
    this.schedule(ms);
  }

  private schedule(delayMs: number): void {
    this.scheduleAt(Math.max(this.clock.now() + delayMs, this.lastAt + this.gapMs, this.target.hasPending ? 0 : this.target.retryAt));
  }

  private scheduleAt(at: number): void {
    if (this.closed || at >= this.dueAt) return; // a flush at or before `at` is already armed
    clearTimeout(this.timer);
    this.dueAt = at;
    this.timer = setTimeout(() => void this.run(), Math.max(0, at - this.clock.now()));
  }

  private async run(): Promise<void> {
    this.timer = undefined;
    this.dueAt = Infinity;
    if (this.flushing) return void this.target.seal?.(); // the running flush reschedules what is left
    this.flushing = true;
    this.urgent = false;
    this.lastAt = this.clock.now();
    try {
      await this.target.flush();
    } finally {
      this.flushing = false;
    }
    // a backlog drains at the transport's replay rate; anything else waits for the gap (results of a burst go together)
    if (this.target.paced) this.scheduleAt(this.target.retryAt);
    else if (this.urgent && this.target.hasUndelivered) this.request(false, true);
    else if (this.target.hasUndelivered) this.schedule(this.gapMs);
    this.onFlushed?.();
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
  }
}
