import type { Clock } from '../../../shared/clock.js';
import type { Logger } from '../../../shared/logger.js';
import type { WriteOutcome } from './influxdb-writer.js';

/** A failure that goes on is logged again at most this often, with its totals. */
const REPEAT_LOG_MS = 10 * 60_000;

type Failure = Extract<WriteOutcome, { ok: false }>;

/** What an operator should do about a cause (the points are kept either way). */
function hint(f: Failure, bucket: string): string {
  switch (f.status) {
    case 401:
      return 'the token is not accepted: check token/tokenFile';
    case 403:
      return `the token may not write to bucket "${bucket}": grant it write access`;
    case 404:
      return 'org or bucket not found (or the url is not an InfluxDB 2 or VictoriaMetrics write endpoint)';
    case 400:
    case 422:
      return 'the server refused these points as malformed; they are dropped and counted';
    case 413:
      return 'the request was too large for the server; these points are dropped and counted: lower batchSize';
    default:
      return f.status ? 'the server cannot take writes now' : 'the server cannot be reached';
  }
}

/**
 * One log line per condition, not per attempt: the first failure of a cause (with what to do),
 * the same cause again at most every 10 minutes with totals, and the recovery with how long it took.
 */
export class FailureLog {
  private current: { cause: string; since: number; attempts: number; loggedAt: number } | undefined;

  constructor(
    private readonly logger: Logger,
    private readonly clock: Clock,
    private readonly where: { sink: string; url: string; bucket: string },
  ) {}

  failed(f: Failure, points: number, buffered: number, retryInMs: number | undefined): void {
    const now = this.clock.now();
    const c = this.current;
    if (c && c.cause === f.cause) {
      c.attempts++;
      if (now - c.loggedAt < REPEAT_LOG_MS) return;
      c.loggedAt = now;
    } else this.current = { cause: f.cause, since: c?.since ?? now, attempts: (c?.attempts ?? 0) + 1, loggedAt: now };
    const s = this.current!;
    const fields = {
      ...this.where,
      cause: f.cause,
      error: f.message,
      points,
      buffered,
      attempts: s.attempts,
      failingForSeconds: Math.round((now - s.since) / 1000),
    };
    if (!f.retry) return void this.logger.error(fields, `sink ${this.where.sink}: write refused (${f.message}); ${hint(f, this.where.bucket)}`);
    this.logger.warn(
      { ...fields, retryInMs },
      `sink ${this.where.sink}: write failed (${f.message}); ${hint(f, this.where.bucket)}. The points stay in the buffer and are sent again`,
    );
  }

  succeeded(buffered: number): void {
    const c = this.current;
    if (!c) return;
    this.current = undefined;
    this.logger.info(
      { ...this.where, failedAttempts: c.attempts, failingForSeconds: Math.round((this.clock.now() - c.since) / 1000), buffered },
      `sink ${this.where.sink}: writing again; the buffer drains`,
    );
  }

  get failing(): boolean {
    return this.current !== undefined;
  }
}
