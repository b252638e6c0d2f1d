import { describe, expect, it } from 'vitest';
import { creditPercent, creditTierOf } from '../../../shared/sla/credits.js';

const credits = {
  tiers: [
    { below: 99.9, percent: 5 },
    { below: 99.5, percent: 10 },
    { below: 99, percent: 30 },
  ],
  cap: 25,
};

describe('service credits', () => {
  it('names the tier that applies and whether the cap cut it, by the same rule as the percent', () => {
    expect([creditPercent(99.95, credits), creditTierOf(99.95, credits)]).toEqual([0, { tier: null, capped: false }]);
    expect([creditPercent(99.7, credits), creditTierOf(99.7, credits)]).toEqual([5, { tier: { below: 99.9, percent: 5 }, capped: false }]);
    expect([creditPercent(99.2, credits), creditTierOf(99.2, credits)]).toEqual([10, { tier: { below: 99.5, percent: 10 }, capped: false }]);
    expect([creditPercent(98, credits), creditTierOf(98, credits)]).toEqual([25, { tier: { below: 99, percent: 30 }, capped: true }]);
    expect(creditTierOf(null, credits)).toEqual({ tier: null, capped: false });
    expect(creditTierOf(90, undefined)).toEqual({ tier: null, capped: false });
  });
});
