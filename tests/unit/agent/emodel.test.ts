import { describe, expect, it } from 'vitest';
import { estimateMos, mosFromR, rFactor } from '../../../agent/src/voip/emodel.js';

// Reference points of the R → MOS mapping, ITU-T G.107 Annex B (equation B-4) and its Figure B.1:
// R = 93.2 → 4.41, 80 → 4.02, 70 → 3.60, 60 → 3.10, 50 → 2.58.
describe('E-model (ITU-T G.107)', () => {
  it('maps R to MOS like G.107 Annex B', () => {
    for (const [r, mos] of [
      [93.2, 4.41],
      [80, 4.02],
      [70, 3.6],
      [60, 3.1],
      [50, 2.58],
    ] as const)
      expect(mosFromR(r)).toBeCloseTo(mos, 2);
    expect(mosFromR(0)).toBe(1);
    expect(mosFromR(100)).toBe(4.5);
  });

  it('delay impairment: Id = 0.024 d below 177.3 ms, steeper above', () => {
    expect(93.2 - rFactor({ oneWayDelayMs: 150, jitterMs: 0, lossRatio: 0 })).toBeCloseTo(3.6, 6);
    expect(93.2 - rFactor({ oneWayDelayMs: 300, jitterMs: 0, lossRatio: 0 })).toBeCloseTo(0.024 * 300 + 0.11 * (300 - 177.3), 6);
  });

  it('G.711 with PLC: 1 % random loss costs about 3.6 R; MOS falls below 3.5 with heavy loss', () => {
    expect(93.2 - rFactor({ oneWayDelayMs: 0, jitterMs: 0, lossRatio: 0.01 })).toBeCloseTo((95 * 1) / (1 + 25.1), 6);
    expect(estimateMos({ oneWayDelayMs: 20, jitterMs: 2, lossRatio: 0 })).toBeGreaterThan(4.3);
    expect(estimateMos({ oneWayDelayMs: 150, jitterMs: 30, lossRatio: 0.08 })).toBeLessThan(3.5);
  });
});
