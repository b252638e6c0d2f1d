import { VigilError } from '../../shared/errors.js';
import { selectDefinition } from '../../shared/sla/definition.js';
import { resolvePeriod } from '../../shared/sla/period.js';
import { computeReport } from '../../shared/sla/report.js';
import type { ServiceFigures, SlaDefinition, SlaReport } from '../../shared/sla/types.js';
import type { Store } from './store/types.js';

/** SLA report for a client and period label (or the current period), from stored transitions. */
export function slaReportFor(store: Store, defs: readonly SlaDefinition[], client: string, periodLabel: string | undefined, now: number): SlaReport {
  const latest = selectDefinition(defs, client, now);
  if (!latest) throw new VigilError('NOT_FOUND', `no SLA definition for client "${client}"`);
  const kind = latest.services[0]?.period ?? 'calendar-month';
  const period = resolvePeriod(kind, periodLabel ?? { asOf: now }, latest.timezone);
  // the version in force at the start of the period: a later contract change does not rewrite it
  const def = selectDefinition(defs, client, period.start) ?? latest;
  const members = [...new Set(def.services.flatMap((s) => s.members))];
  const transitions = store.transitionsFor(client, members, Math.min(period.start, now - 72 * 3_600_000), Math.max(period.end, now));
  return computeReport(def, transitions, period, { asOf: Math.min(now, period.end), exclusions: store.exclusions(client, period.start, period.end) });
}

export function currentSlaFigures(store: Store, defs: readonly SlaDefinition[], now: number): Array<{ client: string; figures: ServiceFigures }> {
  const clients = [...new Set(defs.map((d) => d.client))];
  return clients.flatMap((client) => slaReportFor(store, defs, client, undefined, now).services.map((figures) => ({ client, figures })));
}
