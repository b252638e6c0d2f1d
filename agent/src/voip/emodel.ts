/**
 * ITU-T G.107 E-model, simplified for G.711 with packet-loss concealment:
 *   R = R0 − Id − Ie,eff  with R0 = 93.2 (default Ro − Is; A = 0)
 *   Id = 0.024·d + 0.11·(d − 177.3)·H(d − 177.3),  d = one-way delay + jitter buffer (2 × jitter)
 *   Ie,eff = Ie + (95 − Ie)·Ppl / (Ppl + Bpl),  G.711: Ie = 0, Bpl = 25.1 (random loss, PLC)
 *   MOS = 1 + 0.035·R + R·(R − 60)·(100 − R)·7·10⁻⁶, clamped to [1, 4.5]
 * One-way delay is taken as RTT / 2 when only round trips are measured.
 */
export interface NetworkQuality {
  /** One-way mouth-to-ear delay estimate, ms. */
  oneWayDelayMs: number;
  jitterMs: number;
  /** 0..1 */
  lossRatio: number;
}

export function rFactor(q: NetworkQuality): number {
  const d = q.oneWayDelayMs + 2 * q.jitterMs;
  const id = 0.024 * d + (d > 177.3 ? 0.11 * (d - 177.3) : 0);
  const ppl = Math.min(100, Math.max(0, q.lossRatio * 100));
  const ieEff = 0 + (95 - 0) * (ppl / (ppl + 25.1));
  return Math.max(0, Math.min(100, 93.2 - id - ieEff));
}

export function mosFromR(r: number): number {
  if (r <= 0) return 1;
  if (r >= 100) return 4.5;
  return Math.min(4.5, Math.max(1, 1 + 0.035 * r + r * (r - 60) * (100 - r) * 7e-6));
}

export function estimateMos(q: NetworkQuality): number {
  return mosFromR(rFactor(q));
}
