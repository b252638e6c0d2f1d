// PLACEHOLDER signature — replaced by the owner of this file (E-model, ITU-T G.107).
export interface NetworkQuality {
  /** One-way mouth-to-ear delay estimate, ms. */
  oneWayDelayMs: number;
  jitterMs: number;
  /** 0..1 */
  lossRatio: number;
}
export function estimateMos(_q: NetworkQuality): number {
  return 0;
}
