import { chooseDefinition } from '../../shared/sla/definition-choice.js';
import { computeReport } from '../../shared/sla/report.js';
import type { ServiceFigures, SlaDefinition, SlaReport, Transition } from '../../shared/sla/types.js';
import type { Store } from './store/types.js';

/**
 * SLA report for a client and period label (or the current period), from stored transitions.
 * Each service is measured over its own period kind (resolveServicePeriods: with a label, only
 * the services whose kind it fits). The definition version is the one in force at the start of
 * the first reported service's period: a later contract change does not rewrite it.
 */
export async function slaReportFor(
  store: Store,
  defs: readonly SlaDefinition[],
  client: string,
  periodLabel: string | undefined,
  now: number,
): Promise<SlaReport> {
  return (await slaReportWithDefinition(store, defs, client, periodLabel, now)).report;
}

/** slaReportFor, with the definition version it used. */
export async function slaReportWithDefinition(
  store: Store,
  defs: readonly SlaDefinition[],
  client: string,
  periodLabel: string | undefined,
  now: number,
  extra: { daily?: boolean } = {},
): Promise<{ report: SlaReport; def: SlaDefinition; transitions: Transition[] }> {
  const spec = periodLabel ?? { asOf: now };
  const { def, periods } = chooseDefinition(defs, client, spec, { strict: false, now });
  const windows = [...periods.values()];
  const from = Math.min(...windows.map((p) => p.start));
  const to = Math.max(...windows.map((p) => p.end));
  const members = [...new Set(def.services.filter((s) => periods.has(s.id)).flatMap((s) => s.members))];
  const transitions = await store.checks.transitionsFor(client, members, Math.min(from, now - 72 * 3_600_000), Math.max(to, now));
  // degraded-but-counted-up runs (still open: up to now), for degradedSeconds
  const degraded = (await store.checks.degradedRunsFor(client, members, from, Math.max(to, now))).map((r) => ({
    check: r.check,
    start: r.start,
    end: r.end ?? now,
  }));
  const report = computeReport(def, transitions, periods, {
    asOf: now,
    exclusions: await store.exclusions.list(client, from, to),
    ...(degraded.length > 0 ? { degraded } : {}),
    ...extra,
  });
  return { report, def, transitions };
}

export async function currentSlaFigures(
  store: Store,
  defs: readonly SlaDefinition[],
  now: number,
): Promise<Array<{ client: string; figures: ServiceFigures }>> {
  const clients = [...new Set(defs.map((d) => d.client))];
  const out: Array<{ client: string; figures: ServiceFigures }> = [];
  for (const client of clients) for (const figures of (await slaReportFor(store, defs, client, undefined, now)).services) out.push({ client, figures });
  return out;
}
