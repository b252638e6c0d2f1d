import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../shared/clock.js';
import { SlaFigures, type SlaRows } from '../../../collector/src/exposition/sla-figures.js';

/** A computation the test finishes by hand, recording when it was asked for. */
function computations() {
  const asked: Array<{ now: number; finish(rows: SlaRows): void; fail(e: Error): void }> = [];
  const compute = (now: number) =>
    new Promise<SlaRows>((resolve, reject) => {
      asked.push({ now, finish: resolve, fail: reject });
    });
  return { asked, compute };
}
const rows = (client: string) => [{ client, figures: {} as never }];
const settle = () => new Promise((r) => setImmediate(r));

describe('SLA figures for /metrics and early warning (collector/src/exposition/sla-figures.ts)', () => {
  it('computes at most every 10 s; a scrape waits for the first computation only, then shows the last figures while the next is computed', async () => {
    const clock = new ManualClock(1_000_000);
    const { asked, compute } = computations();
    const sla = new SlaFigures(compute, clock);
    let first: SlaRows | undefined;
    void sla.forScrape().then((r) => (first = r));
    await settle();
    expect(first).toBeUndefined(); // nothing computed yet: the first scrape waits
    asked[0]!.finish(rows('a'));
    await settle();
    expect(first).toEqual(rows('a'));

    clock.advance(5000);
    expect(await sla.fresh()).toEqual(rows('a')); // fresh enough: no computation
    expect(asked.length).toBe(1);

    clock.advance(6000); // 11 s after the first: a new computation starts …
    expect(await sla.forScrape()).toEqual(rows('a')); // … and the scrape gets the last figures at once
    expect(asked.map((a) => a.now)).toEqual([1_000_000, 1_011_000]);
    let waited: SlaRows | undefined;
    void sla.fresh().then((r) => (waited = r)); // early warning waits for the new one
    await settle();
    expect(waited).toBeUndefined();
    asked[1]!.finish(rows('b'));
    await settle();
    expect(waited).toEqual(rows('b'));
    expect(await sla.forScrape()).toEqual(rows('b'));
  });

  it('keeps no failed computation: the next call computes again, and a scrape meanwhile keeps the last good figures', async () => {
    const clock = new ManualClock(0);
    const { asked, compute } = computations();
    const sla = new SlaFigures(compute, clock);
    const p = sla.fresh();
    asked[0]!.finish(rows('a'));
    await p;
    clock.advance(11_000);
    const failing = sla.fresh();
    asked[1]!.fail(new Error('store down'));
    await expect(failing).rejects.toThrow('store down');
    expect(await sla.forScrape()).toEqual(rows('a'));
    expect(asked.length).toBe(3); // the failure was not cached: that scrape asked again
  });
});
