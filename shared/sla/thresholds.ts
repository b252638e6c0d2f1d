import type { MemberState, ServiceDefinition } from './types.js';

export type SampleStatus = 'up' | 'down' | 'degraded';

export interface SampleFigures {
  status: SampleStatus;
  metrics: Record<string, number>;
  /** The check's recent probe durations (ms), newest included, for the p95 latency rule. */
  recentDurationsMs: readonly number[];
}

/** Nearest-rank percentile. */
export function percentile(values: readonly number[], p: number): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/**
 * A sample judged against a service's thresholds: an `up` result becomes `degraded` when
 * MOS is below `mosBelow`, the error rate (`error_ratio` metric) is above `errorRateAbove`,
 * or the p95 of recent probe durations is above `latencyP95Above`. Down stays down.
 */
export function judgeSample(s: SampleFigures, t: ServiceDefinition['thresholds']): SampleStatus {
  if (s.status !== 'up' || !t) return s.status;
  const mos = s.metrics.mos;
  if (t.mosBelow !== undefined && mos !== undefined && mos < t.mosBelow) return 'degraded';
  const err = s.metrics.error_ratio;
  if (t.errorRateAbove !== undefined && err !== undefined && err > t.errorRateAbove) return 'degraded';
  const p95 = percentile(s.recentDurationsMs, 95);
  if (t.latencyP95AboveMs !== undefined && p95 !== undefined && p95 > t.latencyP95AboveMs) return 'degraded';
  return 'up';
}

/**
 * The member state of a sample under every service that has this check as a member:
 * degraded counts as down when any of those services says so (`degradedCounts`, default
 * `fallback`), so a check shared by services is never more lenient than its strictest SLA.
 */
export function memberStateOf(s: SampleFigures, services: readonly ServiceDefinition[], fallback: 'down' | 'up'): MemberState {
  return memberJudgement(s, services, fallback).state;
}

/**
 * memberStateOf, and whether the sample is up only because degraded counts as up (`degradedCounts: up`):
 * the collector records those runs, and reports show them as `degradedSeconds`.
 */
export function memberJudgement(
  s: SampleFigures,
  services: readonly ServiceDefinition[],
  fallback: 'down' | 'up',
): { state: MemberState; degradedUp: boolean } {
  let degraded = s.status === 'degraded';
  let countsDown = services.length === 0 ? fallback === 'down' : false;
  for (const svc of services) {
    if (judgeSample(s, svc.thresholds) === 'degraded') degraded = true;
    if ((svc.thresholds?.degradedCounts ?? fallback) === 'down') countsDown = true;
  }
  if (s.status === 'down') return { state: 'down', degradedUp: false };
  if (!degraded) return { state: 'up', degradedUp: false };
  return countsDown ? { state: 'down', degradedUp: false } : { state: 'up', degradedUp: true };
}
