/** Retry-After from the server is honoured up to this (a misconfigured proxy must not park the sink for a day). */
export const MAX_RETRY_AFTER_MS = 5 * 60_000;

export interface RetryDelayOptions {
  minDelayMs: number;
  maxDelayMs: number;
}

/**
 * The wait before attempt `failures + 1`: exponential from minDelay, doubling per failed attempt,
 * capped at maxDelay, with "equal jitter" (uniformly in [d/2, d]) so that collectors restarted
 * together do not hit a recovering InfluxDB in step. A Retry-After the server sent is the floor,
 * bounded by MAX_RETRY_AFTER_MS. `random` is injected (tests pass a fixed one).
 */
export function retryDelayMs(failures: number, o: RetryDelayOptions, random: () => number, retryAfterMs?: number): number {
  const exp = Math.min(o.maxDelayMs, o.minDelayMs * 2 ** Math.min(Math.max(0, failures - 1), 40));
  const jittered = exp / 2 + random() * (exp / 2);
  const floor = retryAfterMs === undefined ? 0 : Math.min(MAX_RETRY_AFTER_MS, Math.max(0, retryAfterMs));
  return Math.round(Math.max(jittered, floor));
}

/** A Retry-After header as milliseconds: delta-seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | string[] | undefined, now: number): number | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  if (v === undefined || v === '') return undefined;
  if (/^\d+$/.test(v.trim())) return Number(v.trim()) * 1000;
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
