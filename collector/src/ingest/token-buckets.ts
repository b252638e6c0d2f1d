import type { Clock } from '../../../shared/clock.js';

/**
 * One token bucket per key (an agent id): `rate` tokens per second up to `burst`. Reads the
 * injected clock, so tests drive it; a clock that steps back refills nothing. One entry per
 * authenticated agent, so the map is bounded by the enrolled agents.
 */
export class TokenBuckets {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly clock: Clock,
    private readonly rate: number,
    private readonly burst: number,
  ) {}

  /** Takes a token: 0 when there was one, else the whole seconds until there is (for Retry-After). */
  take(key: string): number {
    const now = this.clock.now();
    const b = this.buckets.get(key);
    if (!b) {
      this.buckets.set(key, { tokens: this.burst - 1, at: now });
      return 0;
    }
    b.tokens = Math.min(this.burst, b.tokens + (Math.max(0, now - b.at) / 1000) * this.rate);
    b.at = now;
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - b.tokens) / this.rate));
  }
}
