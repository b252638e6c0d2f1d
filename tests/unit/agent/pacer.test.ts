import { afterEach, describe, expect, it, vi } from 'vitest';
import { activeLanes, pace } from '../../../agent/src/probes/pacer.js';

afterEach(() => vi.useRealTimers());

describe('pacer: one timer per spacing for all paced senders', () => {
  it('senders of one spacing share one interval timer and step on the same ticks; the lane stops when the last is done', () => {
    vi.useFakeTimers();
    const timers = vi.spyOn(globalThis, 'setInterval');
    const log: string[] = [];
    const start = Date.now();
    const sender = (name: string, n: number) => {
      let left = n;
      return () => {
        log.push(`${name}@${Date.now() - start}`);
        return --left > 0;
      };
    };
    pace(20, sender('a', 3)); // first lane: a steps at once
    vi.advanceTimersByTime(5);
    pace(20, sender('b', 2)); // joins the lane: first step on the next tick
    vi.advanceTimersByTime(100);
    expect(timers).toHaveBeenCalledTimes(1);
    expect(log).toEqual(['a@0', 'a@20', 'b@20', 'a@40', 'b@40']);
    expect(activeLanes()).toEqual([]);
    timers.mockRestore();
  });

  it('different spacings get their own lanes; cancel removes a sender and stops an idle lane', () => {
    vi.useFakeTimers();
    const steps = { a: 0, b: 0 };
    const cancelA = pace(20, () => ++steps.a < 100);
    const cancelB = pace(100, () => ++steps.b < 100);
    expect(activeLanes().sort((x, y) => x - y)).toEqual([20, 100]);
    vi.advanceTimersByTime(200);
    expect(steps).toEqual({ a: 11, b: 3 });
    cancelA();
    expect(activeLanes()).toEqual([100]);
    vi.advanceTimersByTime(100);
    expect(steps.a).toBe(11);
    cancelB();
    expect(activeLanes()).toEqual([]);
  });

  it('a sender that is done at its first step starts no timer', () => {
    vi.useFakeTimers();
    const timers = vi.spyOn(globalThis, 'setInterval');
    pace(20, () => false);
    expect(timers).not.toHaveBeenCalled();
    expect(activeLanes()).toEqual([]);
    timers.mockRestore();
  });
});
