import { afterEach, describe, expect, it, vi } from 'vitest';
import { Pacer } from '../../../agent/src/probes/pacer.js';

afterEach(() => vi.useRealTimers());

describe('pacer: one timer per spacing for all paced senders', () => {
  it('senders of one spacing share one interval timer and step on the same ticks; the lane stops when the last is done', () => {
    vi.useFakeTimers();
    const pacer = new Pacer();
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
    pacer.pace(20, sender('a', 3)); // first lane: a steps at once
    vi.advanceTimersByTime(5);
    pacer.pace(20, sender('b', 2)); // joins the lane: first step on the next tick
    vi.advanceTimersByTime(100);
    expect(timers).toHaveBeenCalledTimes(1);
    expect(log).toEqual(['a@0', 'a@20', 'b@20', 'a@40', 'b@40']);
    expect(pacer.activeLanes()).toEqual([]);
    timers.mockRestore();
  });

  it('different spacings get their own lanes; cancel removes a sender and stops an idle lane', () => {
    vi.useFakeTimers();
    const pacer = new Pacer();
    const steps = { a: 0, b: 0 };
    const cancelA = pacer.pace(20, () => ++steps.a < 100);
    const cancelB = pacer.pace(100, () => ++steps.b < 100);
    expect(pacer.activeLanes().sort((x, y) => x - y)).toEqual([20, 100]);
    vi.advanceTimersByTime(200);
    expect(steps).toEqual({ a: 11, b: 3 });
    cancelA();
    expect(pacer.activeLanes()).toEqual([100]);
    vi.advanceTimersByTime(100);
    expect(steps.a).toBe(11);
    cancelB();
    expect(pacer.activeLanes()).toEqual([]);
  });

  it('a sender that is done at its first step starts no timer', () => {
    vi.useFakeTimers();
    const pacer = new Pacer();
    const timers = vi.spyOn(globalThis, 'setInterval');
    pacer.pace(20, () => false);
    expect(timers).not.toHaveBeenCalled();
    expect(pacer.activeLanes()).toEqual([]);
    timers.mockRestore();
  });

  it('two pacers (two runtimes) share no lane: each has its own timer for the same spacing', () => {
    vi.useFakeTimers();
    const [one, two] = [new Pacer(), new Pacer()];
    const timers = vi.spyOn(globalThis, 'setInterval');
    const steps = { one: 0, two: 0 };
    one.pace(20, () => ++steps.one < 100);
    two.pace(20, () => ++steps.two < 100);
    expect(timers).toHaveBeenCalledTimes(2); // one pacer: the second sender would join the first lane
    one.close();
    vi.advanceTimersByTime(100);
    expect(steps).toEqual({ one: 1, two: 6 });
    expect([one.activeLanes(), two.activeLanes()]).toEqual([[], [20]]);
    two.close();
    timers.mockRestore();
  });

  it("close() clears every running lane's timer, and a closed pacer starts none", () => {
    vi.useFakeTimers();
    const pacer = new Pacer();
    let steps = 0;
    pacer.pace(20, () => ++steps < 100);
    pacer.pace(50, () => ++steps < 100);
    expect(vi.getTimerCount()).toBe(2);
    pacer.close();
    expect(vi.getTimerCount()).toBe(0);
    expect(pacer.activeLanes()).toEqual([]);
    const before = steps;
    pacer.pace(20, () => ++steps < 100);
    vi.advanceTimersByTime(100);
    expect([steps - before, vi.getTimerCount()]).toEqual([0, 0]);
  });
});
