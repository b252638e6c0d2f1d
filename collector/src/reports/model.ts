import { VigilError } from '../../../shared/errors.js';
import { creditTierOf } from '../../../shared/sla/credits.js';
import { DEFAULT_SETTLE_MS } from '../../../shared/sla/definition.js';
import type { SlaDefinition } from '../../../shared/sla/types.js';
import { IncidentViews } from '../incidents/views.js';
import { slaReportWithDefinition } from '../sla-query.js';
import { ACCEPTABLE_MOS, attributionOf, capacitySection, coverageOf, qualitySection } from './sections.js';
import type { Store } from '../store/types.js';

/**
 * The contract report of one client and period, the canonical JSON every other format is made
 * from (schema `vigil.report/v1`): per service the SLA figures with the carve-outs' reasons and
 * authors, the incidents with their times and marks against the contract targets, adherence,
 * coverage, and provenance. Reproducible from the store: the same inputs give the same JSON but
 * for `generatedAt`.
 */
export async function buildReport(store: Store, defs: readonly SlaDefinition[], client: string, periodLabel: string | undefined, now: number) {
  // each service over its own period (slaReportFor); the top-level period is the first reported service's
  const { report: sla, def, transitions } = await slaReportWithDefinition(store, defs, client, periodLabel, now, { daily: true });
  const period = { label: sla.period.label, start: Date.parse(sla.period.start), end: Date.parse(sla.period.end) };
  if (period.start > now) throw new VigilError('QUERY_INVALID', `period ${period.label} has not started yet`);
  const windows = sla.services.map((s) => ({ start: Date.parse(s.period.start), end: Date.parse(s.period.end) }));
  const exclusions = await store.exclusions.list(
    client,
    Math.min(period.start, ...windows.map((w) => w.start)),
    Math.max(period.end, ...windows.map((w) => w.end)),
  );
  const views = new IncidentViews(store.incidents, store.outbox, () => defs);
  const { summary, incidents } = await views.stats(client, period.start, period.end, now);
  const checkRows = await store.checks.list([client]);
  const checks = new Map(checkRows.map((c) => [c.checkId, c]));
  const agents = await store.agents.list([client]);
  const siteOf = new Map(agents.filter((a) => a.revokedAt === null).map((a) => [a.id, a.siteId]));
  const hostMetrics = siteOf.size > 0 ? await store.checks.hostMetrics([...siteOf.keys()]) : [];
  const measuredTo = Math.min(now, period.end);
  const settle = settlement(sla.services, def.settleDelayMs ?? DEFAULT_SETTLE_MS, now);
  const status: 'provisional' | 'final' = settle.reasons.length > 0 ? 'provisional' : 'final';
  return {
    schema: 'vigil.report/v1' as const,
    client,
    period: { label: period.label, start: new Date(period.start).toISOString(), end: new Date(period.end).toISOString(), timezone: def.timezone },
    status,
    ...(status === 'provisional' ? { provisionalUntil: settle.until, provisionalReasons: settle.reasons } : {}),
    settleDelaySeconds: (def.settleDelayMs ?? DEFAULT_SETTLE_MS) / 1000,
    definition: { version: sla.definitionVersion, effectiveFrom: new Date(def.effectiveFrom).toISOString() },
    generatedAt: new Date(now).toISOString(),
    services: sla.services.map((s, i) => {
      const svc = def.services.find((x) => x.id === s.id);
      const w = windows[i]!;
      const mine = exclusions.filter((e) => e.service === s.id && e.start < w.end && e.end > w.start);
      return {
        id: s.id,
        target: s.target,
        period: s.period,
        availabilityPercent: s.availabilityPercent === null ? null : Math.round(s.availabilityPercent * 1000) / 1000,
        availabilityExact: s.availabilityPercent,
        /** No measured time at all: not 100 %, no data. */
        noData: s.measuredSeconds === 0,
        measuredSeconds: s.measuredSeconds,
        downtimeSeconds: s.downtimeSeconds,
        maintenanceSeconds: s.maintenanceSeconds,
        excludedSeconds: s.excludedSeconds,
        exclusions: mine.map((e) => ({ start: new Date(e.start).toISOString(), end: new Date(e.end).toISOString(), reason: e.reason, addedBy: e.addedBy })),
        outsideBusinessHoursSeconds: s.outsideBusinessHoursSeconds,
        unknownSeconds: s.unknownSeconds,
        degradedSeconds: s.degradedSeconds,
        coverage: s.coverage,
        breached: s.breached,
        creditPercent: s.creditPercent,
        // the tier that applies and whether the cap cut it (creditTierOf: the same rule as creditPercent)
        creditTier: creditTierOf(s.availabilityPercent, svc?.credits).tier,
        creditCapped: creditTierOf(s.availabilityPercent, svc?.credits).capped,
        creditTiers: svc?.credits?.tiers ?? [],
        creditCap: svc?.credits?.cap ?? null,
        errorBudget: s.errorBudget,
        incidentCount: s.incidentCount,
        mttrSeconds: s.mttrSeconds,
        members: svc?.members ?? [],
        downAtPeriodEnd: s.downAtPeriodEnd,
        daily: (s.daily ?? []).map((d) => ({
          ...d,
          availabilityPercent: d.availabilityPercent === null ? null : Math.round(d.availabilityPercent * 1000) / 1000,
        })),
        // each down interval with the members down in it and the rule that made it downtime
        downIntervals: svc ? attributionOf(svc, transitions, s.downIntervals, now) : [],
        // which agents and checks fed the figures, and their gaps
        feeds: svc ? coverageOf(svc, transitions, checks, w.start, Math.min(now, w.end)) : [],
      };
    }),
    incidents: incidents.map((i) => ({
      id: i.id,
      service: i.service,
      kind: i.kind,
      priority: i.priority,
      status: i.status,
      started: i.started,
      detected: i.detected,
      acknowledged: i.acknowledged,
      acknowledgedBy: i.acknowledgedBy,
      resolved: i.resolved,
      timeToDetectSeconds: i.timeToDetectSeconds,
      timeToNotifySeconds: i.timeToNotifySeconds,
      timeToAcknowledgeSeconds: i.timeToAcknowledgeSeconds,
      timeToResolveSeconds: i.timeToResolveSeconds,
      targets: i.targets,
      within: i.within,
    })),
    adherence: summary.adherence,
    quality: { acceptableMos: ACCEPTABLE_MOS, sites: await qualitySection(store, client, checkRows, period.start, measuredTo) },
    capacity: { asOf: new Date(now).toISOString(), ...capacitySection(hostMetrics, siteOf) },
    incidentSummary: {
      count: summary.count,
      open: summary.open,
      byPriority: summary.byPriority,
      mttaSeconds: summary.mttaSeconds,
      mttrSeconds: summary.mttrSeconds,
    },
  };
}
export type Report = Awaited<ReturnType<typeof buildReport>>;

/**
 * The provisional/final rule (docs/sla.md, "Runs across the period's end"): a report is final once
 * every reported service's period has ended and settled (`settleDelay` after its end, for late data
 * from agents' spools) and no service is still down in a run that began inside its period (that run's
 * length decides whether it reaches minDuration, and its part inside counts until it ends). `until`:
 * the settle moment, or null while it depends on a run still open.
 */
export function settlement(
  services: ReadonlyArray<{ id: string; period: { end: string }; downAtPeriodEnd: boolean }>,
  settleMs: number,
  now: number,
): { reasons: string[]; until: string | null } {
  const reasons: string[] = [];
  const lastEnd = Math.max(...services.map((s) => Date.parse(s.period.end)));
  const settledAt = lastEnd + settleMs;
  if (now < lastEnd) reasons.push(`the period has not ended yet (it ends ${new Date(lastEnd).toISOString()})`);
  else if (now < settledAt)
    reasons.push(`late data may still arrive until ${new Date(settledAt).toISOString()} (settle delay ${settleMs / 1000} s after the period's end)`);
  for (const s of services) if (s.downAtPeriodEnd) reasons.push(`${s.id} is still down in a run that began before the period's end`);
  const open = services.some((s) => s.downAtPeriodEnd);
  return { reasons, until: open ? null : new Date(settledAt).toISOString() };
}
