import { describe, expect, it } from 'vitest';
import { counterRate, daysToFull } from '../../../agent/src/host/rates.js';

const DAY = 86_400_000;

describe('host capacity math', () => {
  it('counter rates per second; undefined on a counter reset or no elapsed time', () => {
    expect(counterRate(1000, 3000, 0, 2000)).toBe(1000);
    expect(counterRate(3000, 10, 0, 2000)).toBeUndefined();
    expect(counterRate(1, 2, 5, 5)).toBeUndefined();
  });

  it('days to full by least squares: 10 GB/day growth with 50 GB left is 5 days', () => {
    const pts = [0, 1, 2, 3].map((d) => ({ ts: d * DAY, value: 20e9 + d * 10e9 }));
    expect(daysToFull(pts, 100e9)).toBeCloseTo(5, 9);
  });

  it('no estimate when usage is flat, shrinking, or there are too few points', () => {
    expect(
      daysToFull(
        [0, 1, 2].map((d) => ({ ts: d * DAY, value: 5e9 })),
        1e10,
      ),
    ).toBeUndefined();
    expect(
      daysToFull(
        [0, 1, 2].map((d) => ({ ts: d * DAY, value: 9e9 - d })),
        1e10,
      ),
    ).toBeUndefined();
    expect(
      daysToFull(
        [
          { ts: 0, value: 1 },
          { ts: DAY, value: 2 },
        ],
        10,
      ),
    ).toBeUndefined();
  });
});
