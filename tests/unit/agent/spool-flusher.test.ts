import { afterEach, describe, expect, it, vi } from 'vitest';
import { Flusher, type Flushable } from '../../../agent/src/flusher.js';

afterEach(() => vi.useRealTimers());
const clock = { now: () => Date.now() };

/** A transport stand-in over the spool: `backlog` batches wait; each flush seals what is pending and sends up to `perFlush` unless backing off. */
function spooledTransport(perFlush: number, paceMs: number) {
  const t = {
    flushes: [] as number[],
    sealedAt: [] as number[],
    pending: 0,
    backlog: 0,
    down: false,
    retryAt: 0,
    paced: false,
    get hasPending() {
      return t.pending > 0;
    },
    get hasUndelivered() {
      return t.pending > 0 || t.backlog > 0;
    },
    async flush() {
      t.flushes.push(Date.now());
      if (t.pending > 0) t.sealedAt.push(Date.now());
      t.backlog += t.pending;
      t.pending = 0;
      t.paced = false;
      if (Date.now() < t.retryAt) return;
      if (t.down) return void (t.retryAt = Date.now() + 30_000);
      t.backlog -= Math.min(perFlush, t.backlog);
      if (t.backlog > 0) {
        t.paced = true;
        t.retryAt = Date.now() + paceMs;
      }
    },
  };
  return t satisfies Flushable & Record<string, unknown>;
}

describe('flusher over the spool', () => {
  it('a backlog held back by the replay rate drains at the rate, not at the flush gap, then the timers stop', async () => {
    vi.useFakeTimers({ now: 0 });
    const t = spooledTransport(5, 1000);
    const f = new Flusher(t, clock, 2000);
    t.backlog = 23;
    f.request(true);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(t.flushes).toEqual([0, 1000, 2000, 3000, 4000]); // 5 per second, not 5 per 2 s gap
    expect(t.backlog).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
    f.close();
  });

  it('while the collector is down (30 s back-off), new results are still sealed into the spool at the usual pace', async () => {
    vi.useFakeTimers({ now: 0 });
    const t = spooledTransport(5, 1000);
    const f = new Flusher(t, clock, 2000);
    t.down = true;
    t.pending = 1;
    f.request(true);
    await vi.advanceTimersByTimeAsync(1);
    expect(t.retryAt).toBe(30_000);
    for (const at of [5000, 15_000, 25_000, 35_000, 45_000]) {
      await vi.advanceTimersByTimeAsync(at - Date.now()); // a result every 10 s, during the back-off
      t.pending = 1;
      f.request(true);
      await vi.advanceTimersByTimeAsync(1);
    }
    expect(t.sealedAt).toEqual([0, 5000, 15_000, 25_000, 35_000, 45_000]); // none waited in memory for the retry (at 30 s, then 60 s)
    expect(t.flushes.filter((at) => !t.sealedAt.includes(at))).toEqual([30_000]); // the one retry due meanwhile
    f.close();
  });

  it('while a delivery hangs (up to its timeout), a flush that comes due seals the new results instead of waiting for it', async () => {
    vi.useFakeTimers({ now: 0 });
    const sealedAt: number[] = [];
    let release: () => void = () => undefined;
    let pending = 0;
    const t = {
      retryAt: 0,
      get hasPending() {
        return pending > 0;
      },
      get hasUndelivered() {
        return pending > 0;
      },
      seal() {
        if (pending > 0) sealedAt.push(Date.now());
        pending = 0;
      },
      flush() {
        t.seal();
        return new Promise<void>((r) => (release = r)); // the collector accepted the connection and says nothing
      },
    };
    const f = new Flusher(t, clock, 2000);
    pending = 1;
    f.request(true);
    await vi.advanceTimersByTimeAsync(3000);
    pending = 1; // a result during the hanging delivery
    f.request(true);
    await vi.advanceTimersByTimeAsync(1);
    expect(sealedAt).toEqual([0, 3000]); // sealed into the spool at once, not after the 10 s timeout
    release();
    await vi.advanceTimersByTimeAsync(10);
    f.close();
  });
});
