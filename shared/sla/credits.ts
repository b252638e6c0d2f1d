import type { CreditTier } from './types.js';

/** The largest percent among tiers whose `below` is greater than the availability, capped; 0 when none applies. */
export function creditPercent(availabilityPercent: number | null, credits: { tiers: CreditTier[]; cap: number } | undefined): number {
  if (!credits || availabilityPercent === null) return 0;
  let best = 0;
  for (const t of credits.tiers) if (t.below > availabilityPercent && t.percent > best) best = t.percent;
  return Math.min(best, credits.cap);
}

/** Which tier applies (the one giving the largest percent) and whether the cap cut it: for reports. */
export function creditTierOf(
  availabilityPercent: number | null,
  credits: { tiers: CreditTier[]; cap: number } | undefined,
): { tier: CreditTier | null; capped: boolean } {
  if (!credits || availabilityPercent === null) return { tier: null, capped: false };
  let best: CreditTier | null = null;
  for (const t of credits.tiers) if (t.below > availabilityPercent && (best === null || t.percent > best.percent)) best = t;
  return { tier: best, capped: best !== null && best.percent > credits.cap };
}
