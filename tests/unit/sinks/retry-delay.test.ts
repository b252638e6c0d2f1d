import { describe, expect, it } from 'vitest';
import { MAX_RETRY_AFTER_MS, parseRetryAfter, retryDelayMs } from '../../../collector/src/sinks/retry-delay.js';

const o = { minDelayMs: 1000, maxDelayMs: 30_000 };

describe('sink retry delay: exponential backoff with equal jitter, Retry-After as the floor', () => {
  it('doubles per failed attempt from minDelay and stops at maxDelay; jitter spans [d/2, d]', () => {
    const top = (n: number) => retryDelayMs(n, o, () => 1);
    const bottom = (n: number) => retryDelayMs(n, o, () => 0);
    expect([1, 2, 3, 4, 5, 6, 7, 50].map(top)).toEqual([1000, 2000, 4000, 8000, 16_000, 30_000, 30_000, 30_000]);
    expect([1, 2, 3, 6].map(bottom)).toEqual([500, 1000, 2000, 15_000]);
    expect(retryDelayMs(3, o, () => 0.5)).toBe(3000);
    expect(retryDelayMs(10_000, o, () => 1)).toBe(30_000); // no overflow past 2^40
  });

  it("a server's Retry-After is waited at least, up to 5 minutes", () => {
    expect(retryDelayMs(1, o, () => 0, 7000)).toBe(7000);
    expect(retryDelayMs(6, o, () => 1, 7000)).toBe(30_000); // the backoff is longer: it wins
    expect(retryDelayMs(1, o, () => 0, 24 * 3_600_000)).toBe(MAX_RETRY_AFTER_MS);
  });

  it('reads Retry-After as seconds or an HTTP date', () => {
    const now = Date.parse('2026-10-01T12:00:00Z');
    expect(parseRetryAfter('3', now)).toBe(3000);
    expect(parseRetryAfter(['12'], now)).toBe(12_000);
    expect(parseRetryAfter('Thu, 01 Oct 2026 12:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Thu, 01 Oct 2026 11:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
  });
});
