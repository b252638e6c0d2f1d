import { businessIntervals } from './business-hours.js';
import { creditPercent } from './credits.js';
import { intersect, normalize, subtract, totalMs } from './intervals.js';
import { maintenanceIntervals } from './maintenance.js';
import { applyMinDuration, serviceTimeline } from './timeline.js';
import type { Exclusion, Interval, PeriodWindow, ServiceDefinition, ServiceFigures, SlaDefinition, SlaReport, Transition } from './types.js';

const HOUR = 3_600_000;
const MINUTE = 60_000;
/** Burn-rate windows: each long window has a short partner (1/12) for multi-window alerts (Google SRE workbook). */
export const BURN_WINDOWS = { '5m': 5 * MINUTE, '30m': 30 * MINUTE, '1h': HOUR, '2h': 2 * HOUR, '6h': 6 * HOUR, '24h': 24 * HOUR, '72h': 72 * HOUR } as const;
export type BurnWindow = keyof typeof BURN_WINDOWS;

export interface ReportOptions {
  /** Instant the report is made at: the current period is measured up to here. */
  asOf: number;
  exclusions?: Exclusion[];
}

/** Full SLA report for one client and period. Pure: same inputs, same figures. */
export function computeReport(def: SlaDefinition, transitions: readonly Transition[], period: PeriodWindow, opts: ReportOptions): SlaReport {
  return {
    client: def.client,
    definitionVersion: def.version,
    timezone: def.timezone,
    period: { label: period.label, start: new Date(period.start).toISOString(), end: new Date(period.end).toISOString() },
    generatedAt: new Date(opts.asOf).toISOString(),
    services: def.services.map((s) => computeServiceFigures(def, s, transitions, period, opts)),
  };
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
  const timeline = serviceTimeline(service.downtime, service.members, transitions, { start: first, end: Math.max(measuredEnd, opts.asOf) });
  const down = applyMinDuration(timeline.down, service.downtime.minDurationMs);
  const measure = (window: Interval) => {
    const { scope, maintenance } = scopeOf(def, service, window, exclusions);
    const unknown = intersect(scope, timeline.unknown);
    const downIn = intersect(scope, down);
    const scopeMs = totalMs(scope);
    const unknownMs = totalMs(unknown);
    const measuredMs = service.unknown === 'exclude' ? scopeMs - unknownMs : scopeMs;
    const downMs = totalMs(downIn) + (service.unknown === 'down' ? unknownMs : 0);
    return { scope, scopeMs, unknownMs, measuredMs, downMs, downIn, maintenanceMs: totalMs(maintenance) };
  };
  const now = measure({ start: period.start, end: measuredEnd });
  const full = measure({ start: period.start, end: period.end });
  const availability = now.measuredMs > 0 ? ((now.measuredMs - now.downMs) / now.measuredMs) * 100 : null;
  const budgetFraction = 1 - service.target / 100;
  // Budget over the whole period's in-scope time (unknown taken out as measured so far).
  const expectedMeasured = Math.max(0, full.scopeMs - (service.unknown === 'exclude' ? now.unknownMs : 0));
  const totalBudget = budgetFraction * expectedMeasured;
  const runs = down.filter((r) => intersect([r], now.scope).length > 0);
  const figures: ServiceFigures = {
    id: service.id,
    target: service.target,
    availabilityPercent: availability,
    measuredSeconds: now.measuredMs / 1000,
    downtimeSeconds: now.downMs / 1000,
    maintenanceSeconds: now.maintenanceMs / 1000,
    excludedSeconds: excludedMs(exclusions, service.id, { start: period.start, end: measuredEnd }) / 1000,
    outsideBusinessHoursSeconds: service.businessHours
      ? (measuredEnd - period.start - totalMs(businessIntervals(service.businessHours, def.timezone, { start: period.start, end: measuredEnd }))) / 1000
      : 0,
    unknownSeconds: now.unknownMs / 1000,
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

function excludedMs(exclusions: readonly Exclusion[], service: string, window: Interval): number {
  return totalMs(intersect(normalize(exclusions.filter((e) => e.service === service).map((e) => ({ start: e.start, end: e.end }))), [window]));
}
