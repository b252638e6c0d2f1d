import { VigilError } from '../../shared/errors.js';
import { selectDefinition } from '../../shared/sla/definition.js';
import { resolvePeriod } from '../../shared/sla/period.js';
import { computeReport } from '../../shared/sla/report.js';
import type { ServiceFigures, SlaDefinition, SlaReport } from '../../shared/sla/types.js';
import type { Store } from './store/types.js';

/** SLA report for a client and period label (or the current period), from stored transitions. */
export async function slaReportFor(
  store: Store,
  defs: readonly SlaDefinition[],
  client: string,
  periodLabel: string | undefined,
  now: number,
): Promise<SlaReport> {
  const latest = selectDefinition(defs, client, now);
  if (!latest) throw new VigilError('NOT_FOUND', `no SLA definition for client "${client}"`);
  const kind = latest.services[0]?.period ?? 'calendar-month';
  const period = resolvePeriod(kind, periodLabel ?? { asOf: now }, latest.timezone);
  // the version in force at the start of the period: a later contract change does not rewrite it
  const def = selectDefinition(defs, client, period.start) ?? latest;
  const members = [...new Set(def.services.flatMap((s) => s.members))];
  const transitions = await store.checks.transitionsFor(client, members, Math.min(period.start, now - 72 * 3_600_000), Math.max(period.end, now));
  return computeReport(def, transitions, period, {
    asOf: Math.min(now, period.end),
    exclusions: await store.exclusions.list(client, period.start, period.end),
  });
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
