import type { Clock } from '../../../shared/clock.js';
import { VigilError } from '../../../shared/errors.js';
import type { Logger } from '../../../shared/logger.js';
import type { SampleBatch } from '../../../shared/protocol/v1/batch.js';
import type { DropReason } from '../../../shared/spool/spool-events.js';
import { Spool } from '../../../shared/spool/spool.js';
import { FailureLog } from './failure-log.js';
import { InfluxWriter, type InfluxTarget, type WriteOutcome } from './influxdb-writer.js';
import { sampleLine } from './line-protocol.js';
import { retryDelayMs } from './retry-delay.js';
import type { InfluxSinkConfig } from './sink-config.js';
import type { SinkDropReason, SinkMetrics } from './sink-metrics.js';
import type { AgentIdentity, Sink } from './types.js';

/**
 * Characters of line protocol sealed into one record at most: even at the worst JSON expansion
 * (6 bytes for a control character in a label value) it stays under the spool's 16 MiB record bound.
 */
const MAX_BATCH_CHARS = 2 * 1024 * 1024;
/** close() waits this long for a write in flight (its points stay buffered if it does not finish). */
const CLOSE_WAIT_MS = 5000;

const SPOOL_REASON: Record<DropReason, SinkDropReason> = {
  maxBytes: 'buffer-full',
  maxBatches: 'buffer-full',
  maxAge: 'too-old',
  memory: 'disk-refused',
  tooLarge: 'too-large',
};

export interface InfluxSinkDeps {
  clock: Clock;
  logger: Logger;
  metrics: SinkMetrics;
  /** Jitter source (tests pass a fixed one). */
  random?: () => number;
}

/**
 * Check results and host metrics to InfluxDB 2 or VictoriaMetrics (README, "InfluxDB sink").
 * write() turns a stored batch into line protocol and stages it in memory; at batchSize points or
 * after flushInterval the staged lines are sealed into one record of the sink's own disk spool
 * (shared/spool, the agent's: CRC-framed segments, bounded by maxBytes and maxAge, drop-oldest
 * counted). One sender sends the oldest record, removes it once the server acknowledged it,
 * and on failure waits with backoff and jitter and sends it again: a long outage or a wrong token
 * costs disk, never ingest time, and nothing is lost within the bounds. Delivery is at least once
 * (a write cut after the server stored it is sent again; InfluxDB overwrites the same point).
 */
export class InfluxDbSink implements Sink {
  readonly name: string;
  private readonly spool: Spool;
  private readonly writer: InfluxWriter;
  private readonly failures: FailureLog;
  private readonly random: () => number;
  private staged: string[] = [];
  private stagedChars = 0;
  private sealTimer: NodeJS.Timeout | undefined;
  /** Ends the sender's wait (idle or backoff) early. */
  private wake: (() => void) | undefined;
  private waitTimer: NodeJS.Timeout | undefined;
  private retrying = false;
  private closing = false;
  private closed = false;
  private idleWaiters: Array<() => void> = [];
  private readonly sender: Promise<void>;

  constructor(
    private readonly cfg: InfluxSinkConfig,
    private readonly deps: InfluxSinkDeps,
  ) {
    this.name = cfg.name;
    const spoolLogger = deps.logger.child({ sink: cfg.name });
    this.random = deps.random ?? Math.random;
    const { dir, fsync, maxBytes, maxAgeMs } = cfg.buffer;
    const onDrop = (reason: DropReason, _batches: number, points: number) => deps.metrics.pointsDropped(cfg.name, SPOOL_REASON[reason], points);
    try {
      this.spool = new Spool({ dir, fsync, maxBytes, maxAgeMs, memorySamples: 2 * cfg.batchSize, onDrop }, deps.clock, spoolLogger);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
      throw new VigilError('PERMISSION', `cannot use the buffer directory ${dir} of sink ${cfg.name} (${code}): the collector needs it writable`, [], {
        cause: e,
      });
    }
    const target: InfluxTarget = { url: cfg.url, token: cfg.token, org: cfg.org, bucket: cfg.bucket, timeoutMs: cfg.timeoutMs };
    this.writer = new InfluxWriter(target, () => deps.clock.now());
    this.failures = new FailureLog(deps.logger, deps.clock, { sink: cfg.name, url: cfg.url, bucket: cfg.bucket });
    deps.metrics.watch(cfg.name, () => this.figures());
    this.sender = this.send();
  }

  /** Stages a stored batch's samples (never throws, never waits: ingest goes on whatever the server does). */
  write(batch: SampleBatch, agent: AgentIdentity): void {
    try {
      if (this.closing) return void this.deps.metrics.pointsDropped(this.name, 'closed', batch.samples.length);
      for (const s of batch.samples) {
        const line = sampleLine(s, agent);
        if (line !== undefined) this.stage(line);
      }
    } catch (err) {
      this.deps.logger.error({ err, sink: this.name }, `sink ${this.name}: could not buffer a batch`);
    }
  }

  private stage(line: string): void {
    if (this.staged.length >= this.cfg.batchSize || this.stagedChars + line.length > MAX_BATCH_CHARS) this.seal();
    this.staged.push(line);
    this.stagedChars += line.length + 1;
    if (this.staged.length >= this.cfg.batchSize) this.seal();
    else this.sealTimer ??= setTimeout(() => this.seal(), this.cfg.flushIntervalMs);
  }

  /** The staged lines become one record of the disk buffer (one write request later). */
  private seal(): void {
    clearTimeout(this.sealTimer);
    this.sealTimer = undefined;
    if (this.staged.length === 0 || this.closed) return;
    const points = this.staged.length;
    const text = this.staged.join('\n');
    this.staged = [];
    this.stagedChars = 0;
    try {
      this.spool.append(JSON.stringify(text), points); // a full disk is the spool's: newest kept in memory, bounded, counted
    } catch (err) {
      this.deps.metrics.pointsDropped(this.name, 'disk-refused', points);
      this.deps.logger.error({ err, sink: this.name, points }, `sink ${this.name}: could not buffer points`);
    }
    if (!this.retrying) this.wake?.();
  }

  /** The sender: oldest record first, one request at a time, until close(). */
  private async send(): Promise<void> {
    const backoff = { minDelayMs: this.cfg.retryMinDelayMs, maxDelayMs: this.cfg.retryMaxDelayMs };
    let failures = 0;
    while (!this.closing) {
      let delay: number | undefined;
      try {
        const r = await this.step();
        if (r === 'closed') return;
        // peek and pause in one synchronous stretch: a batch sealed in between would otherwise wait for the next one
        if (r === 'idle' && !this.spool.peek()) await this.pause(undefined);
        if (r === 'sent') failures = 0;
        if (typeof r !== 'object') continue;
        delay = retryDelayMs(++failures, backoff, this.random, r.retryAfterMs);
        this.failures.failed(r.failure, r.points, this.figures().points, delay);
      } catch (err) {
        // the disk under the buffer failed a read (EIO …): logged, and tried again like a failed write
        delay = retryDelayMs(++failures, backoff, this.random);
        this.deps.logger.error({ err, sink: this.name, retryInMs: delay }, `sink ${this.name}: cannot read its buffer`);
      }
      if (delay === undefined || this.closing) continue;
      for (const w of this.idleWaiters.splice(0)) w(); // flush() waits for one attempt, not for the server to come back
      this.retrying = true;
      await this.pause(delay);
      this.retrying = false;
    }
  }

  /** Sends the oldest record once; what came of it. */
  private async step(): Promise<
    'idle' | 'sent' | 'dropped' | 'closed' | { failure: Extract<WriteOutcome, { ok: false }>; points: number; retryAfterMs?: number }
  > {
    const head = this.spool.peek();
    if (!head) {
      for (const w of this.idleWaiters.splice(0)) w();
      return 'idle';
    }
    let body: unknown;
    try {
      body = (JSON.parse(head.payload) as { samples?: unknown }).samples;
    } catch {
      body = undefined;
    }
    if (typeof body !== 'string') {
      this.spool.ack(head.seq); // a record of something else in the directory: its CRC held, its content is not ours
      this.deps.metrics.pointsDropped(this.name, 'unreadable', head.samples);
      return 'dropped';
    }
    const out = await this.writer.write(body);
    if (this.closed) return 'closed';
    if (out.ok) {
      // false: the record was dropped from the buffer (maxBytes) while it was in flight, and counted as dropped then
      if (this.spool.ack(head.seq)) this.deps.metrics.pointsWritten(this.name, head.samples);
      this.failures.succeeded(this.figures().points);
      return 'sent';
    }
    if (!out.retry) {
      this.spool.ack(head.seq);
      this.deps.metrics.writeFailed(this.name, out.cause);
      this.deps.metrics.pointsDropped(this.name, 'rejected', head.samples);
      this.failures.failed(out, head.samples, this.figures().points, undefined);
      return 'dropped';
    }
    this.deps.metrics.pointsRetried(this.name, head.samples, out.cause);
    return { failure: out, points: head.samples, ...(out.retryAfterMs === undefined ? {} : { retryAfterMs: out.retryAfterMs }) };
  }

  /** Waits for wake() or, with a delay, until it has passed. */
  private pause(ms: number | undefined): Promise<void> {
    return new Promise((resolve) => {
      this.wake = () => {
        clearTimeout(this.waitTimer);
        this.wake = undefined;
        resolve();
      };
      if (ms !== undefined) this.waitTimer = setTimeout(() => this.wake?.(), ms);
    });
  }

  private figures() {
    if (this.closed) return { points: 0, bytes: 0, oldestAgeSeconds: 0 };
    const s = this.spool.stats();
    return { points: s.samples + this.staged.length, bytes: s.diskBytes, oldestAgeSeconds: s.oldestAgeSeconds };
  }

  /**
   * Seals what is staged, makes the buffer durable, and waits until the sender has written all of
   * it or one attempt has failed (it keeps retrying afterwards on its own).
   */
  async flush(): Promise<void> {
    if (this.closed) return;
    this.seal();
    this.spool.sync();
    if (this.retrying || !this.spool.peek()) return;
    await new Promise<void>((resolve) => {
      this.idleWaiters.push(resolve);
      this.wake?.();
    });
  }

  /** Seals what is staged into the buffer and stops; a write in flight gets a few seconds. What is unsent is sent after the next start. */
  async close(): Promise<void> {
    if (this.closing) return;
    this.seal();
    this.closing = true;
    this.wake?.();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.sender, new Promise<void>((r) => (timer = setTimeout(r, CLOSE_WAIT_MS)))]);
    clearTimeout(timer);
    this.closed = true;
    for (const w of this.idleWaiters.splice(0)) w();
    this.spool.close();
    this.writer.close();
  }
}
