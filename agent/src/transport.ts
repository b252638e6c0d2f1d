import { Client, exchange, MAX_HEADER_SIZE } from './http/undici.js';
import type { Clock } from '../../shared/clock.js';
import type { Logger } from '../../shared/logger.js';
import type { Sample } from '../../shared/protocol/v1/batch.js';
import type { Heartbeat } from '../../shared/protocol/v1/heartbeat.js';
import type { SpooledBatch, Spool } from './spool/spool.js';
import type { AgentState } from './state.js';

export interface TransportOptions {
  batchMaxSamples: number;
  /** Batches per second at most, so that a site back after a long outage does not flatten the collector (spool.replayRate). */
  replayRate: number;
}

/**
 * Batches samples and delivers them in order. A sealed batch goes into the spool (agent/src/spool,
 * on disk) before anything else happens to it, and leaves it only when the collector acknowledged
 * it; a retry resends the SAME (agentId, seq), so the collector stores it once. Sending is paced to
 * `replayRate` batches per second (a token bucket of one second's worth), which only a backlog meets.
 */
export class Transport {
  private pending: Sample[] = [];
  /** One keep-alive connection to the collector (batches and heartbeats go one at a time). */
  private readonly client: Client;
  /** Path prefix of the collector URL (a collector behind a reverse proxy at /vigil/). */
  private readonly prefix: string;
  /** `{"agentId":"…","sentAt":` — a request body is this, the send time and the spooled payload text. */
  private readonly bodyStart: string;
  private sending = false;
  private failures = 0;
  private nextAttemptAt = 0;
  private tokens: number;
  private tokensAt: number;
  private heartbeatSpoolStats = true;
  /** After a flush stopped by the replay rate: more is ready at `retryAt`. */
  paced = false;
  /** Batches the collector already had (a resend after a restart that lost the newest ack cursor): harmless, counted. */
  resentBatches = 0;
  /** Batches the collector refused (400/403), dropped. */
  rejectedBatches = 0;

  constructor(
    private readonly state: AgentState,
    private readonly spool: Spool,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly opts: TransportOptions,
  ) {
    const base = new URL(`${state.collectorUrl.replace(/\/$/, '')}/`);
    this.client = new Client(base.origin, { keepAliveTimeout: 30_000, maxHeaderSize: MAX_HEADER_SIZE });
    this.prefix = base.pathname.slice(0, -1);
    this.bodyStart = `{"agentId":${JSON.stringify(state.agentId)},"sentAt":`;
    this.tokens = Math.max(1, opts.replayRate);
    this.tokensAt = clock.now();
  }

  get queuedBatches(): number {
    return this.spool.stats().batches;
  }

  get hasPending(): boolean {
    return this.pending.length > 0;
  }

  get hasUndelivered(): boolean {
    return this.pending.length > 0 || this.spool.peek() !== undefined;
  }

  /** After a failed delivery, or a flush held back by the replay rate: when the next attempt may start (wall-clock ms). */
  get retryAt(): number {
    return this.nextAttemptAt;
  }

  add(sample: Sample): void {
    this.pending.push(sample);
    if (this.pending.length >= this.opts.batchMaxSamples) this.seal();
  }

  /** Seals pending samples into a batch in the spool (which gives it the next seq). */
  seal(): void {
    if (this.pending.length === 0) return;
    const samples = this.pending;
    this.pending = [];
    try {
      const seq = this.spool.append(JSON.stringify(samples), samples.length);
      this.logger.debug({ seq, samples: samples.length }, 'batch sealed into the spool');
    } catch (err) {
      this.logger.error({ err, samples: samples.length }, 'spool append failed; these samples are lost');
    }
  }

  /** One token per batch sent; false when the replay rate is used up (nextAttemptAt is then when the next token is due). */
  private takeToken(): boolean {
    const now = this.clock.now();
    const rate = this.opts.replayRate;
    this.tokens = Math.min(Math.max(1, rate), this.tokens + ((now - this.tokensAt) * rate) / 1000);
    this.tokensAt = now;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return true;
    }
    this.nextAttemptAt = now + Math.ceil(((1 - this.tokens) * 1000) / rate);
    return false;
  }

  /** Seals and sends what is spooled, in seq order; stops at the first failure (and backs off) or at the replay rate. */
  async flush(): Promise<void> {
    this.seal();
    if (this.sending || this.clock.now() < this.nextAttemptAt) return;
    this.sending = true;
    this.paced = false;
    try {
      for (let batch = this.spool.peek(); batch; batch = this.spool.peek()) {
        if (!this.takeToken()) return void (this.paced = true);
        const res = await this.post('/api/v1/ingest', this.body(batch));
        if (res.status === 200 || res.status === 400 || res.status === 403) {
          if (res.status !== 200) {
            this.rejectedBatches++;
            this.logger.error({ seq: batch.seq, status: res.status }, 'collector rejected a batch; dropping it');
          } else if (res.stored === false) this.resentBatches++;
          this.spool.ack(batch.seq);
          if (this.failures > 0) this.logger.info({ queued: this.spool.stats().batches }, 'collector reachable again; delivering the spool');
          this.failures = 0;
          continue;
        }
        this.failures++;
        this.nextAttemptAt = this.clock.now() + Math.min(60_000, 1000 * 2 ** Math.min(this.failures - 1, 6));
        this.logger.warn(
          { status: res.status, queuedBatches: this.spool.stats().batches, retryInMs: this.nextAttemptAt - this.clock.now() },
          'collector unreachable: batches wait in the spool on disk; retrying',
        );
        return;
      }
    } finally {
      this.sending = false;
      this.spool.commit();
    }
  }

  private body(b: SpooledBatch): string {
    return `${this.bodyStart}${this.clock.now()},${b.payload.slice(1)}`;
  }

  /** Sends a heartbeat; a collector from before the spool refuses its `spool` field (400), so that field is then left out. */
  async heartbeat(hb: Heartbeat): Promise<boolean> {
    const { spool, ...rest } = hb;
    const withStats = spool !== undefined && this.heartbeatSpoolStats;
    let res = await this.post('/api/v1/heartbeat', JSON.stringify(withStats ? hb : rest));
    if (res.status === 400 && withStats) {
      res = await this.post('/api/v1/heartbeat', JSON.stringify(rest));
      // only when the same heartbeat without them is taken: a 400 for another reason must not turn them off
      if (res.status === 200) {
        this.heartbeatSpoolStats = false;
        this.logger.info('the collector refused spool figures in the heartbeat (an older collector): sending heartbeats without them');
      }
    }
    return res.status === 200;
  }

  private async post(path: string, body: string): Promise<{ status: number | string; stored?: boolean }> {
    try {
      const res = await exchange(this.client, `${this.prefix}${path}`, {
        method: 'POST',
        body,
        timeoutMs: 10_000,
        maxBodyBytes: 64 * 1024,
        headers: { 'content-type': 'application/json', authorization: `Bearer ${this.state.agentToken}` },
      });
      if (res.statusCode !== 200 || path !== '/api/v1/ingest') return { status: res.statusCode };
      let stored: boolean | undefined;
      try {
        stored = (JSON.parse(res.body.toString('utf8')) as { stored?: unknown }).stored !== false;
      } catch {
        // an acknowledgement without a readable body still acknowledges
      }
      return { status: res.statusCode, stored };
    } catch (e) {
      return { status: (e as NodeJS.ErrnoException).code ?? 'error' };
    }
  }

  /** Seals what is pending (into the spool), tries one last delivery, and closes the connection. The spool is the caller's to close. */
  async close(): Promise<void> {
    await this.flush().catch(() => undefined);
    await this.client.close();
  }
}
