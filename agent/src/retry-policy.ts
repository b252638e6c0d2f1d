/**
 * What the agent does with each answer to a batch (Prometheus remote-write semantics where they
 * fit): network errors, 408 and 5xx are retried with exponential backoff and full jitter; 429 and
 * 503 wait for their `Retry-After` (bounded); 413 is split; 401/403 keep everything spooled and
 * retry slowly; 400 is the collector refusing the envelope itself, which no resend can fix.
 */
export type Verdict =
  /** 200: stored (or already stored); samples listed in `refused` are dropped, counted. */
  | 'ack'
  /** 413: too large: resent in halves under new seqs. */
  | 'split'
  /** 400: the envelope is invalid: dropped, counted, logged. */
  | 'drop'
  /** 429: the collector's rate limit: wait for Retry-After, not counted as an outage. */
  | 'rate'
  /** Network error, 408, 5xx (503 with its Retry-After): backoff. */
  | 'retry'
  /** 401/403: the token is unknown, revoked or another agent's: keep spooling, retry slowly. */
  | 'auth'
  /** Any other answer (404 from a proxy, a non-Vigil server): keep spooling, retry slowly. */
  | 'misrouted';

export function verdictOf(status: number | string): Verdict {
  if (typeof status === 'string') return 'retry';
  if (status === 200) return 'ack';
  if (status === 413) return 'split';
  if (status === 400) return 'drop';
  if (status === 429) return 'rate';
  if (status === 408 || status >= 500) return 'retry';
  if (status === 401 || status === 403) return 'auth';
  return 'misrouted';
}

export interface RetryTimes {
  /** First backoff ceiling, ms; doubled per consecutive failure … */
  baseMs: number;
  /** … up to this. */
  capMs: number;
  /** Retry-After is honoured up to this (a misconfigured proxy asking for a day does not stall the spool for a day). */
  maxRetryAfterMs: number;
  /** After 401/403 or a misrouted answer. */
  slowMs: number;
}

export const DEFAULT_RETRY: Readonly<RetryTimes> = { baseMs: 1000, capMs: 60_000, maxRetryAfterMs: 300_000, slowMs: 60_000 };

/**
 * Full jitter (uniform in [0, min(cap, base·2^(n−1))]), so agents that lost the collector at the
 * same moment do not all come back at the same moment. A floor of 1 % of the base keeps a
 * random 0 from retrying in a tight loop.
 */
export function backoffMs(failures: number, random: () => number, t: Readonly<RetryTimes> = DEFAULT_RETRY): number {
  const ceiling = Math.min(t.capMs, t.baseMs * 2 ** Math.min(Math.max(0, failures - 1), 30));
  return Math.max(Math.ceil(t.baseMs / 100), Math.floor(random() * ceiling));
}

/** `Retry-After` as delay-seconds or an HTTP date, in ms from `nowMs` (0 when in the past); undefined when absent or unreadable. */
export function parseRetryAfter(value: string | string[] | undefined, nowMs: number): number | undefined {
  const v = (Array.isArray(value) ? value[0] : value)?.trim();
  if (!v) return undefined;
  if (/^\d{1,10}$/.test(v)) return Number(v) * 1000;
  // the HTTP-date forms all start with a day name; Date.parse alone would take "-5" for a year
  const at = /^[A-Za-z]{3}/.test(v) ? Date.parse(v) : Number.NaN;
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}

/** The wait an answer asks for, bounded by `maxRetryAfterMs`; undefined when it asks for none. */
export function retryAfterMs(value: string | string[] | undefined, nowMs: number, t: Readonly<RetryTimes> = DEFAULT_RETRY): number | undefined {
  const ms = parseRetryAfter(value, nowMs);
  return ms === undefined ? undefined : Math.min(ms, t.maxRetryAfterMs);
}

/** The fix to log once for an answer that refuses this agent's token. */
export function authFix(status: number, code: string | undefined, agentId: string, stateDir: string | undefined): string {
  const enroll = `enroll it again: vigil agent enroll --collector URL --token <new enrollment token> --state-dir ${stateDir ?? '<stateDir>'} (the running agent picks the new identity up at its next retry)`;
  if (code === 'VIGIL_ERR_TOKEN_REVOKED') return `agent ${agentId} was revoked on the collector; results keep spooling on disk; to resume, ${enroll}`;
  if (status === 403)
    return `the collector refuses this token for agent ${agentId} (agent.json edited or copied from another agent?); results keep spooling; ${enroll}`;
  return `the collector does not know this agent's token (agent deleted, or a collector with another database); results keep spooling; ${enroll}`;
}
