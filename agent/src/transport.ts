import { join } from 'node:path';
import type { Clock } from '../../shared/clock.js';
import type { Logger } from '../../shared/logger.js';
import type { Sample } from '../../shared/protocol/v1/batch.js';
import type { Heartbeat } from '../../shared/protocol/v1/heartbeat.js';
import { envelopeBytes } from './batch-split.js';
import { CollectorClient, errorCode, type CollectorAnswer } from './collector-client.js';
import { LimitsKeeper, limitsInAnswer } from './collector-limits.js';
import { AnswerLog } from './answer-log.js';
import { backoffMs, DEFAULT_RETRY, retryAfterMs, verdictOf, type RetryTimes } from './retry-policy.js';
import { SplitJournal } from './split-journal.js';
import { SplitSender, type Unit } from './split-sender.js';
import type { SpooledBatch, Spool } from '../../shared/spool/spool.js';
import { adoptNewIdentity, type AgentState } from './state.js';

/** The heartbeat's optional fields, oldest first. */
const HEARTBEAT_FIELDS = ['spool', 'send', 'config'] as const;

export interface TransportOptions {
  batchMaxSamples: number;
  /** Batches per second at most, so that a site back after a long outage does not flatten the collector (spool.replayRate). */
  replayRate: number;
  /** agent.json's directory: the collector's limits are kept there and splits journalled (spool-split.json); undefined: memory only. */
  stateDir?: string;
  /** Deadline of one whole request (default 10 s). */
  requestTimeoutMs?: number;
  retry?: Partial<RetryTimes>;
  /** Jitter source in [0, 1) (default Math.random). */
  random?: () => number;
}

/**
 * Batches samples within the collector's advertised limits and delivers them in order. A sealed
 * batch goes into the spool (shared/spool, on disk) before anything else happens to it and
 * leaves it only when the collector acknowledged it; a retry resends the SAME (agentId, seq) with
 * the same content, so the collector stores it once. What each answer leads to: retry-policy.ts;
 * how a batch too large is split: split-sender.ts and split-journal.ts. Sending is paced to
 * `replayRate` (within the collector's batchesPerSecond) by a token bucket of one second's worth,
 * which only a backlog meets.
 */
export class Transport {
  private pending: string[] = [];
  private pendingBytes = 0;
  private readonly client: CollectorClient;
  private readonly limits: LimitsKeeper;
  private readonly parts: SplitSender;
  private readonly retry: RetryTimes;
  private readonly random: () => number;
  private readonly log: AnswerLog;
  /** `{"agentId":"…","sentAt":` — a request body is this, the send time and the spooled payload text. */
  private bodyStart = '';
  private envelope = 0;
  private sending = false;
  private failures = 0;
  private nextAttemptAt = 0;
  private tokens: number;
  private tokensAt: number;
  /** How many of HEARTBEAT_FIELDS the collector took in a heartbeat (`taken`), and may take at most (`max`, lowered by a 400). */
  private readonly heartbeatFields: { taken: number; max: number } = { taken: 0, max: HEARTBEAT_FIELDS.length };
  /** After a flush stopped by the replay rate: more is ready at `retryAt`. */
  paced = false;
  /** The body of the last heartbeat answered 200 (its limits, the central configuration's version). */
  heartbeatAck = '';

  constructor(
    private readonly state: AgentState,
    private readonly spool: Spool,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly opts: TransportOptions,
  ) {
    this.client = new CollectorClient(state.collectorUrl, opts.requestTimeoutMs ?? 10_000);
    this.limits = new LimitsKeeper(state, opts.stateDir, logger);
    this.log = new AnswerLog(logger, clock);
    const journal = new SplitJournal(opts.stateDir && join(opts.stateDir, 'spool-split.json'), logger);
    journal.load(spool.peek()?.seq ?? Infinity);
    this.parts = new SplitSender(spool, journal, this.log);
    this.retry = { ...DEFAULT_RETRY, ...opts.retry };
    this.random = opts.random ?? Math.random;
    this.identity();
    this.tokens = Math.max(1, this.rate());
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

  /** Counts since start: resent (already stored), refused samples, samples too large to send, batches dropped on 400, batches split. */
  get stats() {
    return this.log.counts;
  }

  /** Batches the collector already had (a resend after a restart that lost the newest ack cursor): harmless, counted. */
  get resentBatches(): number {
    return this.log.counts.resentBatches;
  }

  add(sample: Sample): void {
    const json = JSON.stringify(sample);
    const bytes = Buffer.byteLength(json) + 1;
    const l = this.limits.limits;
    if (this.pending.length > 0 && this.envelope + this.pendingBytes + bytes > l.maxBatchBytes) this.seal();
    this.pending.push(json);
    this.pendingBytes += bytes;
    if (this.pending.length >= Math.min(this.opts.batchMaxSamples, l.maxSamplesPerBatch)) this.seal();
  }

  /** Seals pending samples into a batch in the spool (which gives it the next seq). */
  seal(): void {
    if (this.pending.length === 0) return;
    const samples = this.pending;
    this.pending = [];
    this.pendingBytes = 0;
    try {
      const seq = this.spool.append(`[${samples.join(',')}]`, samples.length);
      this.logger.debug({ seq, samples: samples.length }, 'batch sealed into the spool');
    } catch (err) {
      this.logger.error({ err, samples: samples.length }, 'spool append failed; these samples are lost');
    }
  }

  /** Batches per second: spool.replayRate, within what the collector takes from one agent. */
  private rate(): number {
    return Math.min(this.opts.replayRate, this.limits.limits.batchesPerSecond);
  }

  /** One token per batch sent; false when the rate is used up (nextAttemptAt is then when the next token is due). */
  private takeToken(): boolean {
    const now = this.clock.now();
    const rate = this.rate();
    this.tokens = Math.min(Math.max(1, rate), this.tokens + ((now - this.tokensAt) * rate) / 1000);
    this.tokensAt = now;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return true;
    }
    this.nextAttemptAt = now + Math.ceil(((1 - this.tokens) * 1000) / rate);
    return false;
  }

  /** Seals and sends what is spooled, in seq order; stops at a failure (and waits as its answer says) or at the replay rate. */
  async flush(): Promise<void> {
    this.seal();
    if (this.sending || this.clock.now() < this.nextAttemptAt) return;
    this.sending = true;
    this.paced = false;
    try {
      for (let head = this.spool.peek(); head; head = this.spool.peek()) {
        const unit = this.parts.unitFor(head, this.limits.limits, this.envelope);
        if (!unit) continue; // settled without sending (a split whose parts were all delivered before a restart)
        if (!this.takeToken()) return void (this.paced = true);
        const res = await this.client.post('/api/v1/ingest', this.body(unit), this.state.agentToken);
        if (!this.answered(head, unit, res)) return;
      }
    } finally {
      this.sending = false;
      this.spool.commit();
    }
  }

  /** Acts on the answer; true to go on with the next batch. */
  private answered(head: SpooledBatch, unit: Unit, res: CollectorAnswer): boolean {
    const now = this.clock.now();
    const verdict = verdictOf(res.status);
    if (verdict === 'ack') {
      this.log.acked(unit, res.body, this.spool.stats().batches, this.failures);
      this.failures = 0;
      this.parts.settled(head, unit);
      return true;
    }
    if (verdict === 'split') {
      this.parts.tooLarge(head, unit, this.limits.limits, this.envelope);
      return true;
    }
    if (verdict === 'drop') {
      this.log.rejected(unit, res.status as number, errorCode(res.body));
      this.parts.settled(head, unit);
      return true;
    }
    if (verdict === 'auth') {
      if (this.reloadIdentity()) return true; // re-enrolled meanwhile: at once with the new identity
      this.nextAttemptAt = now + this.retry.slowMs;
      this.log.unauthorized(res.status as number, errorCode(res.body), this.state.agentId, this.opts.stateDir, this.spool.stats().batches);
      return false;
    }
    if (verdict === 'misrouted') {
      this.nextAttemptAt = now + this.retry.slowMs;
      this.log.misrouted(res.status as number, this.state.collectorUrl);
      return false;
    }
    const asked = res.status === 429 || res.status === 503 ? retryAfterMs(res.retryAfter, now, this.retry) : undefined;
    if (verdict === 'retry') this.failures++; // 429 is the collector pacing us, not an outage: the backoff does not grow
    const wait = asked ?? backoffMs(Math.max(1, this.failures), this.random, this.retry);
    this.nextAttemptAt = now + wait;
    this.log.waiting(res.status, wait, asked !== undefined, this.spool.stats().batches);
    return false;
  }

  private body(u: Pick<Unit, 'payload'>): string {
    return `${this.bodyStart}${this.clock.now()},${u.payload.slice(1)}`;
  }

  private identity(): void {
    this.bodyStart = `{"agentId":${JSON.stringify(this.state.agentId)},"sentAt":`;
    this.envelope = envelopeBytes(this.state.agentId);
  }

  /** After 401/403: agent.json holds another identity (`vigil agent enroll` was run again): taken without a restart. */
  private reloadIdentity(): boolean {
    if (!this.opts.stateDir || !adoptNewIdentity(this.opts.stateDir, this.state)) return false;
    this.identity();
    this.log.reEnrolled(this.state.agentId);
    return true;
  }

  /**
   * Sends a heartbeat; takes the limits its answer advertises. Its optional fields go by age: `spool`,
   * then `send` (this transport's own loss counts), then `config` with `os` (what the agent runs), and a
   * collector that knows one knows the older ones.
   * So a field is sent once the collector took the ones before it, and a 400 is retried with one field
   * fewer: a level that is then taken is the collector's (an older one), kept from now on. A 400 at
   * every level is about something else and turns nothing off. No `spool`, no optional field at all.
   */
  async heartbeat(hb: Heartbeat): Promise<boolean> {
    const fields = this.heartbeatFields;
    const top = hb.spool === undefined ? 0 : Math.min(fields.max, fields.taken + 1);
    let level = top;
    let res = await this.client.post('/api/v1/heartbeat', this.heartbeatBody(hb, level), this.state.agentToken);
    while (res.status === 400 && level > 0) {
      level--;
      res = await this.client.post('/api/v1/heartbeat', this.heartbeatBody(hb, level), this.state.agentToken);
    }
    if (res.status === 200 && top > 0) {
      if (level < top) {
        fields.max = level;
        this.logger.info(
          { left: HEARTBEAT_FIELDS.slice(level) },
          'the collector refused newer heartbeat figures (an older collector): sending heartbeats without them',
        );
      }
      fields.taken = level;
    }
    if (res.status === 200) {
      this.heartbeatAck = res.body;
      this.limits.advertised(limitsInAnswer(res.body));
    } else if (verdictOf(res.status) === 'auth' && !this.reloadIdentity())
      this.log.unauthorized(res.status as number, errorCode(res.body), this.state.agentId, this.opts.stateDir, this.spool.stats().batches);
    return res.status === 200;
  }

  /** The heartbeat with its first `level` optional fields (HEARTBEAT_FIELDS), whatever the caller put in of them. */
  private heartbeatBody(hb: Heartbeat, level: number): string {
    const { spool, send: _, config, os, ...bare } = hb;
    const c = this.log.counts;
    const send = { refusedSamples: c.refusedSamples, tooLargeSamples: c.tooLargeSamples, rejectedSamples: c.rejectedSamples };
    // level 3 (`config`) also carries `os`: both came with central configuration
    const fleet = level >= 3 ? { ...(config ? { config } : {}), ...(os ? { os } : {}) } : {};
    return JSON.stringify(level === 0 ? bare : level === 1 ? { ...bare, spool } : { ...bare, spool, send, ...fleet });
  }

  /** Seals what is pending (into the spool), tries one last delivery, and closes the connection. The spool is the caller's to close. */
  async close(): Promise<void> {
    await this.flush().catch(() => undefined);
    await this.client.close();
  }
}
