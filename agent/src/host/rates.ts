export interface Point {
  ts: number;
  value: number;
}

/** Per-second rate of a monotonically increasing counter; undefined on a reset or no elapsed time. */
export function counterRate(prev: number, cur: number, prevTs: number, curTs: number): number | undefined {
  const dt = (curTs - prevTs) / 1000;
  if (dt <= 0 || cur < prev) return undefined;
  return (cur - prev) / dt;
}

/**
 * Days until `capacity` is reached by a least-squares line through the points;
 * undefined when usage is not growing or there are too few points.
 */
export function daysToFull(points: readonly Point[], capacity: number): number | undefined {
  if (points.length < 3) return undefined;
  const n = points.length;
  const t0 = points[0]!.ts;
  let sx = 0,
    sy = 0,
    sxx = 0,
    sxy = 0;
  for (const p of points) {
    const x = (p.ts - t0) / 86_400_000;
    sx += x;
    sy += p.value;
    sxx += x * x;
    sxy += x * p.value;
  }
  const denom = n * sxx - sx * sx;
  if (denom === 0) return undefined;
  const slope = (n * sxy - sx * sy) / denom; // bytes per day
  if (slope <= 0) return undefined;
  const last = points[n - 1]!;
  return Math.max(0, (capacity - last.value) / slope);
}
