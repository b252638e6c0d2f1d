/** Seeded randomness and the figures of bench:detect. */

/** mulberry32: a small seeded PRNG, so a run's schedule can be replayed with BENCH_SEED. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Nearest-rank percentile (p in 0..100); null for no values. */
export function percentile(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

const round = (v: number | null, digits = 2) => (v === null ? null : Math.round(v * 10 ** digits) / 10 ** digits);

export interface OutageTimes {
  /** Seconds from stop to the system's decision (Vigil: incident detectedAt; reference: alert startsAt). */
  detect: number | null;
  /** Seconds from stop to the first notification at the bench's receiver. */
  notify: number | null;
}

export interface Figures {
  detectP50: number | null;
  detectP95: number | null;
  notifyP50: number | null;
  notifyP95: number | null;
  /** Outages with no detection / no notification while the target was down (not in the percentiles). */
  missedDetect: number;
  missedNotify: number;
}

export function figures(outages: readonly OutageTimes[]): Figures {
  const d = outages.flatMap((o) => (o.detect === null ? [] : [o.detect]));
  const n = outages.flatMap((o) => (o.notify === null ? [] : [o.notify]));
  return {
    detectP50: round(percentile(d, 50)),
    detectP95: round(percentile(d, 95)),
    notifyP50: round(percentile(n, 50)),
    notifyP95: round(percentile(n, 95)),
    missedDetect: outages.length - d.length,
    missedNotify: outages.length - n.length,
  };
}

/** vigil / reference per figure (below 1 = Vigil is faster). */
export function ratios(vigil: Figures, reference: Figures): Record<'detectP50' | 'detectP95' | 'notifyP50' | 'notifyP95', number | null> {
  const r = (a: number | null, b: number | null) => (a === null || b === null || b === 0 ? null : round(a / b));
  return {
    detectP50: r(vigil.detectP50, reference.detectP50),
    detectP95: r(vigil.detectP95, reference.detectP95),
    notifyP50: r(vigil.notifyP50, reference.notifyP50),
    notifyP95: r(vigil.notifyP95, reference.notifyP95),
  };
}
