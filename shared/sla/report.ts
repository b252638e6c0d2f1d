import { DateTime } from 'luxon';
import { businessIntervals } from './business-hours.js';
import { creditPercent } from './credits.js';
import { VigilError } from '../errors.js';
import { intersect, normalize, subtract, totalMs } from './intervals.js';
import { maintenanceIntervals } from './maintenance.js';
import { applyMinDuration, serviceTimeline } from './timeline.js';
import type { Exclusion, Interval, PeriodWindow, ServiceDefinition, ServiceFigures, SlaDefinition, SlaReport, Transition } from './types.js';

const HOUR = 3_600_000;
const MINUTE = 60_000;
/** Burn-rate windows: each long window has a short partner (1/12) for multi-window alerts (Google SRE workbook). */
export const BURN_WINDOWS = { '5m': 5 * MINUTE, '30m': 30 * MINUTE, '1h': HOUR, '2h': 2 * HOUR, '6h': 6 * HOUR, '24h': 24 * HOUR, '72h': 72 * HOUR } as const;
export type BurnWindow = keyof typeof BURN_WINDOWS;

/** A member's run judged degraded by thresholds but counted as up (`degradedCounts: up`), half-open [start, end) in ms. */
export interface DegradedRun {
  check: string;
  start: number;
  end: number;
}

export interface ReportOptions {
  /** Instant the report is made at: the current period is measured up to here. */
  asOf: number;
  exclusions?: Exclusion[];
  /** Members' degraded-but-counted-up runs, for `degradedSeconds` (none given: 0). */
  degraded?: readonly DegradedRun[];
  /** Also each local day's figures of the measured part of the period (contract reports: the daily chart). */
  daily?: boolean;
}

/**
 * Full SLA report for one client. `periods` is one window for every service, or each service's
 * own window by id (resolveServicePeriods); services without one are not reported. The top-level
 * `period` is the first reported service's, as before per-service periods. Pure: same inputs, same figures.
 */
export function computeReport(
  def: SlaDefinition,
  transitions: readonly Transition[],
  periods: PeriodWindow | ReadonlyMap<string, PeriodWindow>,
  opts: ReportOptions,
): SlaReport {
  const periodOf = (id: string): PeriodWindow | undefined =>
    'label' in periods ? (periods as PeriodWindow) : (periods as ReadonlyMap<string, PeriodWindow>).get(id);
  const reported = def.services.flatMap((s) => {
    const p = periodOf(s.id);
    return p ? [{ s, p }] : [];
  });
  const top = reported[0]?.p ?? ('label' in periods ? (periods as PeriodWindow) : undefined);
  if (!top) throw new VigilError('QUERY_INVALID', `no period for any service of client "${def.client}"`);
  return {
    client: def.client,
    definitionVersion: def.version,
    timezone: def.timezone,
    period: isoPeriod(top),
    generatedAt: new Date(opts.asOf).toISOString(),
    // measured up to min(asOf, the period's end); the timeline runs to asOf, so a down run across the
    // end is judged by minDuration on its whole length and only its part inside counts (docs/sla.md)
    services: reported.map(({ s, p }) => computeServiceFigures(def, s, transitions, p, opts)),
  };
}

function isoPeriod(p: PeriodWindow): { label: string; start: string; end: string } {
  return { label: p.label, start: new Date(p.start).toISOString(), end: new Date(p.end).toISOString() };
}

/** In-scope instants of `window`: business hours (if any) minus maintenance minus exclusions. */
export function scopeOf(
  def: SlaDefinition,
  service: ServiceDefinition,
  window: Interval,
  exclusions: readonly Exclusion[],
): { scope: Interval[]; maintenance: Interval[] } {
  const base = service.businessHours ? businessIntervals(service.businessHours, def.timezone, window) : [window];
  const maint = intersect(base, maintenanceIntervals(service.maintenance, def.timezone, window));
  const excl = normalize(exclusions.filter((e) => e.service === service.id).map((e) => ({ start: e.start, end: e.end })));
  return { scope: subtract(subtract(base, maint), excl), maintenance: maint };
}

export function computeServiceFigures(
  def: SlaDefinition,
  service: ServiceDefinition,
  transitions: readonly Transition[],
  period: PeriodWindow,
  opts: ReportOptions,
): ServiceFigures {
  const exclusions = opts.exclusions ?? [];
  const measuredEnd = Math.max(period.start, Math.min(period.end, opts.asOf));
  let first = Math.min(period.start, opts.asOf - BURN_WINDOWS['72h']);
  for (const t of transitions) if (t.ts < first) first = t.ts;
  const timelineEnd = Math.max(measuredEnd, opts.asOf);
  const timeline = serviceTimeline(service.downtime, service.members, transitions, { start: first, end: timelineEnd });
  const down = applyMinDuration(timeline.down, service.downtime.minDurationMs);
  const measure = (window: Interval) => {
    const { scope, maintenance } = scopeOf(def, service, window, exclusions);
    const unknown = intersect(scope, timeline.unknown);
    const downIn = intersect(scope, down);
    const scopeMs = totalMs(scope);
    const unknownMs = totalMs(unknown);
    const measuredMs = service.unknown === 'exclude' ? scopeMs - unknownMs : scopeMs;
    const downMs = totalMs(downIn) + (service.unknown === 'down' ? unknownMs : 0);
    return { scope, unknown, scopeMs, unknownMs, measuredMs, downMs, downIn, maintenanceMs: totalMs(maintenance) };
  };
  const now = measure({ start: period.start, end: measuredEnd });
  const daily = opts.daily ? dailyFigures(def.timezone, { start: period.start, end: measuredEnd }, now, service.unknown) : undefined;
  const full = measure({ start: period.start, end: period.end });
  const availability = now.measuredMs > 0 ? ((now.measuredMs - now.downMs) / now.measuredMs) * 100 : null;
  const budgetFraction = 1 - service.target / 100;
  // Budget over the whole period's in-scope time (unknown taken out as measured so far).
  const expectedMeasured = Math.max(0, full.scopeMs - (service.unknown === 'exclude' ? now.unknownMs : 0));
  const totalBudget = budgetFraction * expectedMeasured;
  const runs = down.filter((r) => intersect([r], now.scope).length > 0);
  const strict = opts.degraded ? degradedAsDown(transitions, opts.degraded, service.members) : undefined;
  const strictDown = strict
    ? applyMinDuration(
        serviceTimeline(service.downtime, service.members, strict, { start: first, end: Math.max(measuredEnd, opts.asOf) }).down,
        service.downtime.minDurationMs,
      )
    : [];
  const figures: ServiceFigures = {
    id: service.id,
    target: service.target,
    period: isoPeriod(period),
    availabilityPercent: availability,
    measuredSeconds: now.measuredMs / 1000,
    downtimeSeconds: now.downMs / 1000,
    maintenanceSeconds: now.maintenanceMs / 1000,
    excludedSeconds: excludedMs(exclusions, service.id, { start: period.start, end: measuredEnd }) / 1000,
    outsideBusinessHoursSeconds: service.businessHours
      ? (measuredEnd - period.start - totalMs(businessIntervals(service.businessHours, def.timezone, { start: period.start, end: measuredEnd }))) / 1000
      : 0,
    unknownSeconds: now.unknownMs / 1000,
    // up (neither down nor unknown) as counted, down had degraded members counted as down
    degradedSeconds: totalMs(intersect(subtract(subtract(now.scope, down), timeline.unknown), strictDown)) / 1000,
    coverage: now.scopeMs > 0 ? (now.scopeMs - now.unknownMs) / now.scopeMs : 0,
    breached: availability !== null && availability < service.target,
    creditPercent: creditPercent(availability, service.credits),
    incidentCount: runs.length,
    mttrSeconds: runs.length > 0 ? totalMs(intersect(runs, now.scope)) / runs.length / 1000 : null,
    errorBudget: {
      totalSeconds: totalBudget / 1000,
      usedSeconds: now.downMs / 1000,
      remainingSeconds: (totalBudget - now.downMs) / 1000,
      remainingRatio: totalBudget > 0 ? (totalBudget - now.downMs) / totalBudget : now.downMs > 0 ? -Infinity : 1,
    },
    downIntervals: now.downIn,
    ...(daily ? { daily } : {}),
    // still down at asOf in a run that began before the end: the run's length (and so its verdict) can still grow
    downAtPeriodEnd:
      opts.asOf >= period.end &&
      timeline.down.some((d) => d.start < period.end && d.end >= timelineEnd) &&
      // and not ended by a transition at asOf itself (the timeline's window is half-open)
      serviceTimeline(service.downtime, service.members, transitions, { start: opts.asOf, end: opts.asOf + 1 }).down.length > 0,
  };
  if (opts.asOf >= period.start && opts.asOf < period.end) {
    const burnRate = {} as Record<BurnWindow, number | null>;
    for (const [name, len] of Object.entries(BURN_WINDOWS) as Array<[BurnWindow, number]>) {
      const w = measure({ start: opts.asOf - len, end: opts.asOf });
      burnRate[name] = w.measuredMs > 0 && budgetFraction > 0 ? w.downMs / w.measuredMs / budgetFraction : null;
    }
    // Projection: the rest of the period's in-scope time goes at the last 24 h's down fraction.
    const recent = measure({ start: opts.asOf - BURN_WINDOWS['24h'], end: opts.asOf });
    const fraction = recent.measuredMs > 0 ? recent.downMs / recent.measuredMs : 0;
    const remainingMs = Math.max(0, full.scopeMs - now.scopeMs);
    const projMeasured = now.measuredMs + remainingMs;
    const projected = projMeasured > 0 ? ((projMeasured - now.downMs - remainingMs * fraction) / projMeasured) * 100 : null;
    // In-scope time until the budget is gone at that same down fraction: 0 when gone, null when not within this period.
    const budgetLeftMs = totalBudget - now.downMs;
    let timeToBreachSeconds: number | null = null;
    if (budgetLeftMs <= 0) timeToBreachSeconds = 0;
    else if (fraction > 0 && budgetLeftMs / fraction <= remainingMs) timeToBreachSeconds = budgetLeftMs / fraction / 1000;
    figures.burnRate = burnRate;
    figures.toDate = {
      availabilityPercent: availability,
      projectedAvailabilityPercent: projected,
      projectedBreach: projected !== null && projected < service.target,
      timeToBreachSeconds,
    };
  }
  return figures;
}

/** Each local day of `window` (in `zone`): the period's own scope, unknown and down intervals cut to that day, under the same unknown policy. */
function dailyFigures(
  zone: string,
  window: Interval,
  m: { scope: Interval[]; unknown: Interval[]; downIn: Interval[] },
  policy: ServiceDefinition['unknown'],
): NonNullable<ServiceFigures['daily']> {
  const out: NonNullable<ServiceFigures['daily']> = [];
  for (let day = DateTime.fromMillis(window.start, { zone }).startOf('day'); day.toMillis() < window.end; day = day.plus({ days: 1 })) {
    const w = [{ start: Math.max(window.start, day.toMillis()), end: Math.min(window.end, day.plus({ days: 1 }).toMillis()) }];
    const scopeMs = totalMs(intersect(m.scope, w));
    const unknownMs = totalMs(intersect(m.unknown, w));
    const measuredMs = policy === 'exclude' ? scopeMs - unknownMs : scopeMs;
    const downMs = totalMs(intersect(m.downIn, w)) + (policy === 'down' ? unknownMs : 0);
    out.push({
      day: day.toFormat('yyyy-MM-dd'),
      availabilityPercent: measuredMs > 0 ? ((measuredMs - downMs) / measuredMs) * 100 : null,
      measuredSeconds: measuredMs / 1000,
      downtimeSeconds: downMs / 1000,
    });
  }
  return out;
}

function excludedMs(exclusions: readonly Exclusion[], service: string, window: Interval): number {
  return totalMs(intersect(normalize(exclusions.filter((e) => e.service === service).map((e) => ({ start: e.start, end: e.end }))), [window]));
}

/**
 * The members' transitions with every degraded run turned to down where the member was up: the
 * input of the timeline the service would have had under `degradedCounts: down`. Undefined when no
 * run touches a member (nothing to compare).
 */
function degradedAsDown(transitions: readonly Transition[], runs: readonly DegradedRun[], members: readonly string[]): Transition[] | undefined {
  const out: Transition[] = [];
  const overlaid = new Set<string>();
  for (const m of members) {
    const deg = normalize(runs.filter((r) => r.check === m));
    if (deg.length === 0) continue;
    overlaid.add(m);
    const own = transitions.filter((t) => t.check === m).sort((a, b) => a.ts - b.ts);
    const points = [...new Set([...own.map((t) => t.ts), ...deg.flatMap((d) => [d.start, d.end])])].sort((a, b) => a - b);
    let i = 0;
    let j = 0;
    let state: Transition['state'] = 'unknown';
    for (const ts of points) {
      while (i < own.length && own[i]!.ts <= ts) state = own[i++]!.state;
      while (j < deg.length && deg[j]!.end <= ts) j++;
      const inRun = j < deg.length && deg[j]!.start <= ts;
      out.push({ ts, check: m, state: state === 'up' && inRun ? 'down' : state });
    }
  }
  if (overlaid.size === 0) return undefined;
  for (const t of transitions) if (!overlaid.has(t.check)) out.push(t);
  return out.sort((a, b) => a.ts - b.ts);
}
