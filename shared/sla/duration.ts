import { Type } from 'typebox';

/** Durations in definitions and configs: `90`, `30s`, `5m`, `3h`, `1d`, `1h30m` (number = seconds). */
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };
const PART = /(\d+(?:\.\d+)?)(ms|s|m|h|d|w)/g;

/** Parses a duration to ms; returns undefined when it is not one. */
export function parseDurationMs(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? value * 1000 : undefined;
  if (typeof value !== 'string') return undefined;
  const s = value.trim();
  if (/^\d+(\.\d+)?$/.test(s)) return Number(s) * 1000;
  if (!/^((\d+(\.\d+)?)(ms|s|m|h|d|w))+$/.test(s)) return undefined;
  let total = 0;
  for (const m of s.matchAll(PART)) total += Number(m[1]) * (UNIT_MS[m[2]!] ?? 0);
  return total;
}

/** TypeBox schema of a duration field in configs and definitions: `30s`, `5m`, `1h30m`, or seconds. */
export const DurationSchema = Type.Union([Type.String({ pattern: '^((\\d+(\\.\\d+)?)(ms|s|m|h|d|w))+$' }), Type.Number({ minimum: 0 })]);
