import type { ProbeResult } from './types.js';

/** MOS below which a path is degraded, for a check with a `mos` figure (voip, icmp) that sets no `mosThreshold`. */
export const DEFAULT_MOS_THRESHOLD = 3.5;
/** Days before the earliest certificate of the chain expires that make a tls check degraded. */
export const DEFAULT_WARN_DAYS = 14;

/** A threshold from the check's options: a number (validated at config load by the probe's schema) or absent. */
const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);

/**
 * Quality judgement, in one place for every probe (blackbox_exporter keeps probers to
 * measuring; here the runner calls this after each attempt, before the retry decision). Only
 * an `up` result is judged: a probe's own verdict (down, or degraded by loss) stands. Rules,
 * each by the figure it reads, so any probe that reports the figure gets the same rule:
 * - `mos` below the check's `mosThreshold` (default 3.5) → degraded, reason `mos`;
 * - `tls_chain_expiry_days` below the check's `warnDays` (default 14) → degraded, reason `expiry`.
 * The result is returned as it was when no rule applies.
 */
export function judgeQuality(options: Readonly<Record<string, unknown>>, r: ProbeResult): ProbeResult {
  if (r.status !== 'up') return r;
  const mos = r.metrics.mos;
  const mosThreshold = num(options.mosThreshold) ?? DEFAULT_MOS_THRESHOLD;
  if (mos !== undefined && mos < mosThreshold) return { ...r, status: 'degraded', reason: 'mos', message: `MOS ${mos.toFixed(2)} below ${mosThreshold}` };
  const days = r.metrics.tls_chain_expiry_days;
  if (days !== undefined && days < (num(options.warnDays) ?? DEFAULT_WARN_DAYS)) {
    return { ...r, status: 'degraded', reason: 'expiry', message: `certificate expires in ${days.toFixed(1)} days` };
  }
  return r;
}
