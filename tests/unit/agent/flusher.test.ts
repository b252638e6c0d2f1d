import { afterEach, describe, expect, it, vi } from 'vitest';
import { Flusher, type Flushable } from '../../../agent/src/flusher.js';

afterEach(() => vi.useRealTimers());

/** A transport stand-in: records flush times (fake-clock ms); `fail` makes deliveries fail with a retry time. */
function fakeTransport() {
  const t = {
    flushes: [] as number[],
    undelivered: false,
    fail: false,
    retryAt: 0,
    get hasUndelivered() {
      return t.undelivered;
    },
    async flush() {
      t.flushes.push(Date.now());
      if (t.fail) t.retryAt = Date.now() + 5000;
      else t.undelivered = false;
    },
  };
  return t satisfies Flushable & Record<string, unknown>;
}
const clock = { now: () => Date.now() };

describe('flusher: results go out when the agent is idle, rate-limited, with no idle timer', () => {
  it('idle: at once; busy: within the gap; one flush for a burst', async () => {
    vi.useFakeTimers({ now: 0 });
    const t = fakeTransport();
    const f = new Flusher(t, clock, 2000);
    f.request(false); // a burst's first results: others still running
    f.request(false);
    t.undelivered = true;
    await vi.advanceTimersByTimeAsync(30);
    f.request(true); // the burst's last result
    await vi.advanceTimersByTimeAsync(5);
    expect(t.flushes).toEqual([30]);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(t.flushes).toEqual([30]); // nothing waits: no timer, no more flushes
    expect(vi.getTimerCount()).toBe(0);
    f.close();
  });

  it("hold: a result rides with the next burst's flush; with no burst it goes out after the hold, never later", async () => {
    vi.useFakeTimers({ now: 0 });
    const t = fakeTransport();
    const f = new Flusher(t, clock, 2000);
    f.request(true); // a burst, idle at once
    await vi.advanceTimersByTimeAsync(1);
    expect(t.flushes).toEqual([0]);
    await vi.advanceTimersByTimeAsync(5000);
    t.undelivered = true;
    f.hold(10_000); // a paced check's steady result, half a slot later: no request of its own
    await vi.advanceTimersByTimeAsync(4000);
    expect(t.flushes).toEqual([0]);
    f.request(true); // the next burst: one flush carries both
    await vi.advanceTimersByTimeAsync(1);
    expect(t.flushes).toEqual([0, 9001]);
    await vi.advanceTimersByTimeAsync(20_000);
    expect(t.flushes).toEqual([0, 9001]); // the held result's timer went with that flush
    t.undelivered = true;
    f.hold(10_000); // no burst comes: out after the hold
    await vi.advanceTimersByTimeAsync(10_001);
    expect(t.flushes).toEqual([0, 9001, 39_002]);
    f.request(false, true); // an urgent result is not held back by a hold armed before it
    f.hold(10_000);
    await vi.advanceTimersByTimeAsync(1);
    expect(t.flushes).toEqual([0, 9001, 39_002, 39_003]);
    f.close();
  });

  it('at most one flush per gap; a result that never sees an idle agent still goes out after the gap', async () => {
    vi.useFakeTimers({ now: 0 });
    const t = fakeTransport();
    const f = new Flusher(t, clock, 2000);
    f.request(true);
    await vi.advanceTimersByTimeAsync(1);
    f.request(true); // idle again 500 ms later: waits for the gap
    await vi.advanceTimersByTimeAsync(500);
    expect(t.flushes).toEqual([0]);
    await vi.advanceTimersByTimeAsync(1600);
    expect(t.flushes).toEqual([0, 2000]);
    f.request(false); // busy forever
    await vi.advanceTimersByTimeAsync(2500);
    expect(t.flushes).toEqual([0, 2000, 4101]); // 2000 ms after the request at 2101
    f.close();
  });

  it("a failed delivery is retried at the transport's retry time, then the timers stop", async () => {
    vi.useFakeTimers({ now: 0 });
    const t = fakeTransport();
    const f = new Flusher(t, clock, 2000);
    t.fail = true;
    t.undelivered = true;
    f.request(true);
    await vi.advanceTimersByTimeAsync(4000);
    expect(t.flushes).toEqual([0]); // retryAt = 5000
    t.fail = false;
    await vi.advanceTimersByTimeAsync(2000);
    expect(t.flushes).toEqual([0, 5000]);
    await vi.advanceTimersByTimeAsync(20_000);
    expect(t.flushes).toEqual([0, 5000]);
    expect(vi.getTimerCount()).toBe(0);
    f.close();
  });
});

describe('flusher: urgent results (a confirming re-probe of a failed check)', () => {
  it('go out at once: not held by the gap after the last flush, nor by a burst still running; but not before a failed delivery may be retried', async () => {
    vi.useFakeTimers({ now: 0 });
    const t = fakeTransport();
    const f = new Flusher(t, clock, 2000);
    t.undelivered = true;
    f.request(true);
    await vi.advanceTimersByTimeAsync(500);
    t.undelivered = true;
    f.request(false, true); // 500 ms after a flush, other checks running: at once anyway
    await vi.advanceTimersByTimeAsync(1);
    expect(t.flushes).toEqual([0, 500]);
    t.undelivered = true;
    f.request(false); // an ordinary result of a busy agent right after: within the gap
    await vi.advanceTimersByTimeAsync(1000);
    expect(t.flushes).toEqual([0, 500]);
    await vi.advanceTimersByTimeAsync(1000);
    expect(t.flushes).toEqual([0, 500, 2501]);
    t.fail = true;
    t.undelivered = true;
    f.request(false, true); // at once; this delivery fails: retry at 7501
    await vi.advanceTimersByTimeAsync(1);
    expect(t.flushes).toEqual([0, 500, 2501, 2501]);
    f.request(false, true); // the retry time holds even an urgent one (nothing pending to seal)
    await vi.advanceTimersByTimeAsync(4000);
    expect(t.flushes).toEqual([0, 500, 2501, 2501]);
    await vi.advanceTimersByTimeAsync(1000);
    expect(t.flushes).toEqual([0, 500, 2501, 2501, 7501]);
    f.close();
  });
});

describe('flusher: after-flush hook (the agent trims its heap there)', () => {
  it('runs after every flush, delivered or not, and not without one', async () => {
    vi.useFakeTimers({ now: 0 });
    const t = fakeTransport();
    const after: number[] = [];
    const f = new Flusher(t, clock, 2000, () => after.push(Date.now()));
    await vi.advanceTimersByTimeAsync(5000);
    expect(after).toEqual([]);
    t.undelivered = true;
    f.request(true);
    await vi.advanceTimersByTimeAsync(1);
    expect(after).toEqual([5000]);
    t.fail = true;
    t.undelivered = true;
    f.request(true);
    await vi.advanceTimersByTimeAsync(2001);
    expect(t.flushes).toEqual([5000, 7000]);
    expect(after).toEqual([5000, 7000]); // the failed one too
    f.close();
  });
});
