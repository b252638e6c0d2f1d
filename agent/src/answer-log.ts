import type { Clock } from '../../shared/clock.js';
import type { Logger } from '../../shared/logger.js';
import { authFix } from './retry-policy.js';

/**
 * What the transport counts since start. The heartbeat carries `resentBatches` (spool) and the
 * dropped samples (send: refused, too large, rejected); the collector also counts refusals itself,
 * across agents (vigil_ingest_samples_refused_total by code).
 */
export interface TransportCounts {
  /** Batches the collector already had (a resend after a restart): harmless. */
  resentBatches: number;
  /** Samples the collector refused in a 200 (`refused`: bad time, key, a per-agent limit): dropped, never resent. */
  refusedSamples: number;
  /** Single samples answered 413 on their own: too large for the collector at all, dropped. */
  tooLargeSamples: number;
  /** Batches (or parts) whose envelope the collector refused (400), and their samples: dropped. */
  rejectedBatches: number;
  rejectedSamples: number;
  /** Spooled batches resent in parts (over the limits, or answered 413). */
  splitBatches: number;
}

/** A repeated refusal code is logged again at most this often. */
const REFUSAL_WARN_EVERY_MS = 3_600_000;

/**
 * The transport's log lines and counters: a lasting condition (revoked token, rate limit, a
 * refusal code) is logged when it starts, not on every retry; every loss is counted.
 */
export class AnswerLog {
  readonly counts: TransportCounts = { resentBatches: 0, refusedSamples: 0, tooLargeSamples: 0, rejectedBatches: 0, rejectedSamples: 0, splitBatches: 0 };
  private readonly refusalWarnedAt = new Map<string, number>();
  private streak: 'auth' | 'misrouted' | 'rate' | 'down' | undefined;

  constructor(
    private readonly logger: Logger,
    private readonly clock: Clock,
  ) {}

  acked(unit: { seq: number; samples: number }, body: string, queuedBatches: number, failures: number): void {
    let ack: { stored?: unknown; refused?: unknown } | undefined;
    try {
      ack = JSON.parse(body) as typeof ack;
    } catch {
      // an acknowledgement without a readable body still acknowledges
    }
    if (ack?.stored === false) this.counts.resentBatches++;
    if (Array.isArray(ack?.refused) && ack.refused.length > 0) this.refused(unit, ack.refused);
    if (this.streak || failures > 0) this.logger.info({ queuedBatches }, 'collector reachable again; delivering the spool');
    this.streak = undefined;
  }

  private refused(unit: { seq: number; samples: number }, refused: unknown[]): void {
    const n = Math.min(refused.length, unit.samples);
    this.counts.refusedSamples += n;
    const now = this.clock.now();
    const byCode = new Map<string, { n: number; message: string; index: number }>();
    for (const r of refused.slice(0, n) as Array<{ code?: unknown; message?: unknown; index?: unknown }>) {
      const code = typeof r?.code === 'string' ? r.code.slice(0, 64) : 'unknown';
      const e = byCode.get(code) ?? { n: 0, message: String(r?.message ?? '').slice(0, 300), index: Number(r?.index) };
      e.n++;
      byCode.set(code, e);
    }
    for (const [code, e] of byCode) {
      const last = this.refusalWarnedAt.get(code);
      const fields = { seq: unit.seq, code, samples: e.n, example: { index: e.index, message: e.message }, refusedSamplesTotal: this.counts.refusedSamples };
      if (last !== undefined && now - last < REFUSAL_WARN_EVERY_MS) {
        this.logger.debug(fields, 'collector refused samples; dropped');
        continue;
      }
      if (this.refusalWarnedAt.size >= 64) this.refusalWarnedAt.clear();
      this.refusalWarnedAt.set(code, now);
      this.logger.warn(fields, 'collector refused samples (the rest of the batch is stored); these are dropped, not resent');
    }
  }

  tooLarge(unit: { seq: number; samples: number }): void {
    this.counts.tooLargeSamples += unit.samples;
    this.logger.error(
      { seq: unit.seq, tooLargeSamplesTotal: this.counts.tooLargeSamples },
      'collector answered 413 for a single sample: larger than its bodyLimitBytes; dropped',
    );
  }

  /** A spooled batch is resent in `parts` (counted), or — `ofPart` — one of its parts is split further. */
  split(seq: number, samples: number, why: string, parts = 2, ofPart = false): void {
    if (ofPart) return void this.logger.debug({ seq, samples, why }, 'a part of a split batch answered 413: resending it in halves');
    this.counts.splitBatches++;
    this.logger.warn({ seq, samples, parts, why }, 'resending a spooled batch in parts under new seqs (the original seq is never sent with other content)');
  }

  rejected(unit: { seq: number; samples: number }, status: number | string, code: string | undefined): void {
    this.counts.rejectedBatches++;
    this.counts.rejectedSamples += unit.samples;
    this.logger.error(
      { seq: unit.seq, status, code, samples: unit.samples, rejectedBatchesTotal: this.counts.rejectedBatches },
      'collector refused the batch as a whole (400: no resend can fix it); dropping it',
    );
  }

  unauthorized(status: number, code: string | undefined, agentId: string, stateDir: string | undefined, queuedBatches: number): void {
    if (this.streak === 'auth') return;
    this.streak = 'auth';
    this.logger.error({ status, code, queuedBatches }, authFix(status, code, agentId, stateDir));
  }

  misrouted(status: number, collectorUrl: string): void {
    if (this.streak === 'misrouted') return;
    this.streak = 'misrouted';
    this.logger.error(
      { status, collector: collectorUrl },
      `HTTP ${status} from ${collectorUrl}/api/v1/ingest: is collector.url the Vigil collector (a proxy path)? Results keep spooling; retrying every minute`,
    );
  }

  waiting(status: number | string, waitMs: number, asked: boolean, queuedBatches: number): void {
    const rate = status === 429;
    const fields = { status, retryInMs: waitMs, retryAfter: asked, queuedBatches };
    if (rate && this.streak === 'rate') return void this.logger.debug(fields, 'rate limited by the collector');
    this.streak = rate ? 'rate' : 'down';
    this.logger.warn(
      fields,
      rate ? 'rate limited by the collector (429): waiting as its Retry-After says' : 'collector unreachable: batches wait in the spool on disk; retrying',
    );
  }

  reEnrolled(agentId: string): void {
    this.streak = undefined;
    this.logger.info({ agentId }, 'agent.json holds a new identity (enrolled again): sending under it');
  }
}
