import { Client, exchange, MAX_HEADER_SIZE } from './http/undici.js';
import type { Clock } from '../../shared/clock.js';
import type { Logger } from '../../shared/logger.js';
import type { Sample, SampleBatch } from '../../shared/protocol/v1/batch.js';
import type { Heartbeat } from '../../shared/protocol/v1/heartbeat.js';
import { writeState, type AgentState } from './state.js';

/**
 * Seqs are reserved on disk a block at a time: one state-file write (five synchronous
 * file-system calls) per SEQ_BLOCK batches instead of per batch. After a crash the agent
 * continues after the reserved block, so a seq is skipped at worst, never reused;
 * close() writes the exact last seq.
 */
const SEQ_BLOCK = 64;

/**
 * Batches samples and delivers them in order. While the collector is unreachable,
 * batches wait in a bounded in-memory queue (oldest dropped when full, counted and
 * logged); a retry resends the SAME (agentId, seq), so the collector stores it once.
 */
export class Transport {
  private pending: Sample[] = [];
  private readonly queue: SampleBatch[] = [];
  /** One keep-alive connection to the collector (batches and heartbeats go one at a time). */
  private readonly client: Client;
  /** Path prefix of the collector URL (a collector behind a reverse proxy at /vigil/). */
  private readonly prefix: string;
  private sending = false;
  private failures = 0;
  private nextAttemptAt = 0;
  /** Highest seq already persisted as used (see SEQ_BLOCK). */
  private reservedSeq: number;
  dropped = 0;

  constructor(
    private readonly state: AgentState,
    private readonly stateDir: string,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly opts: { batchMaxSamples: number; queueMaxBatches: number },
  ) {
    const base = new URL(`${state.collectorUrl.replace(/\/$/, '')}/`);
    this.client = new Client(base.origin, { keepAliveTimeout: 30_000, maxHeaderSize: MAX_HEADER_SIZE });
    this.prefix = base.pathname.slice(0, -1);
    this.reservedSeq = state.lastSeq;
  }

  get queuedBatches(): number {
    return this.queue.length;
  }

  get hasUndelivered(): boolean {
    return this.pending.length > 0 || this.queue.length > 0;
  }

  /** After a failed delivery: when the next attempt may start (wall-clock ms). */
  get retryAt(): number {
    return this.nextAttemptAt;
  }

  add(sample: Sample): void {
    this.pending.push(sample);
    if (this.pending.length >= this.opts.batchMaxSamples) this.seal();
  }

  /** Seals pending samples into a batch with the next seq (persisted before use). */
  private seal(): void {
    if (this.pending.length === 0) return;
    this.state.lastSeq += 1;
    if (this.state.lastSeq > this.reservedSeq) {
      this.reservedSeq = this.state.lastSeq + SEQ_BLOCK - 1;
      writeState(this.stateDir, { ...this.state, lastSeq: this.reservedSeq });
    }
    this.queue.push({ agentId: this.state.agentId, seq: this.state.lastSeq, sentAt: this.clock.now(), samples: this.pending });
    this.pending = [];
    while (this.queue.length > this.opts.queueMaxBatches) {
      const lost = this.queue.shift()!;
      this.dropped += lost.samples.length;
      this.logger.warn({ seq: lost.seq, samples: lost.samples.length, droppedTotal: this.dropped }, 'send queue full: dropped the oldest batch');
    }
  }

  /** Seals and sends what is queued, in order; stops at the first failure and backs off. */
  async flush(): Promise<void> {
    this.seal();
    if (this.sending || this.clock.now() < this.nextAttemptAt) return;
    this.sending = true;
    try {
      while (this.queue.length > 0) {
        const batch = this.queue[0]!;
        batch.sentAt = this.clock.now();
        const status = await this.post('/api/v1/ingest', batch);
        if (status === 200 || status === 400 || status === 403) {
          if (status !== 200) this.logger.error({ seq: batch.seq, status }, 'collector rejected a batch; dropping it');
          this.queue.shift();
          if (this.failures > 0) this.logger.info({ queued: this.queue.length }, 'collector reachable again; delivering the queue');
          this.failures = 0;
          continue;
        }
        this.failures++;
        this.nextAttemptAt = this.clock.now() + Math.min(60_000, 1000 * 2 ** Math.min(this.failures - 1, 6));
        this.logger.warn(
          { status, queuedBatches: this.queue.length, retryInMs: this.nextAttemptAt - this.clock.now() },
          'collector unreachable: keeping batches in memory (bounded queue) and retrying',
        );
        return;
      }
    } finally {
      this.sending = false;
    }
  }

  async heartbeat(hb: Heartbeat): Promise<boolean> {
    return (await this.post('/api/v1/heartbeat', hb)) === 200;
  }

  private async post(path: string, body: unknown): Promise<number | string> {
    try {
      const res = await exchange(this.client, `${this.prefix}${path}`, {
        method: 'POST',
        body: JSON.stringify(body),
        timeoutMs: 10_000,
        maxBodyBytes: 64 * 1024,
        headers: { 'content-type': 'application/json', authorization: `Bearer ${this.state.agentToken}` },
      });
      return res.statusCode;
    } catch (e) {
      return (e as NodeJS.ErrnoException).code ?? 'error';
    }
  }

  async close(): Promise<void> {
    await this.flush().catch(() => undefined);
    await this.client.close();
    if (this.reservedSeq > this.state.lastSeq) writeState(this.stateDir, this.state);
  }
}
