import type { IngestLimits } from '../config.js';

/** A day's margin on top of the bound, for clock steps and a prune that runs late. */
const MARGIN_MS = 86_400_000;

/**
 * Before when a batch's record (kept to recognise a resend) may go: a batch received at R holds
 * samples dated at most R + futureTolerance; resent after R + futureTolerance + maxSampleAge, every
 * one of them is refused as too old, so its record protects nothing any more.
 */
export function batchRecordsPrunableBefore(now: number, limits: Pick<IngestLimits, 'maxSampleAgeMs' | 'futureToleranceMs'>): number {
  return now - limits.maxSampleAgeMs - limits.futureToleranceMs - MARGIN_MS;
}
