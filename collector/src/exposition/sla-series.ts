import { selectDefinition } from '../../../shared/sla/definition.js';
import { isInMaintenance } from '../../../shared/sla/maintenance.js';
import type { ServiceFigures, SlaDefinition } from '../../../shared/sla/types.js';
import { Family, labelPairs, slices } from './text.js';

type Rows = ReadonlyArray<{ client: string; figures: ServiceFigures }>;

/** The SLA families, one series per client and service (burn rate also per window); written in this order. */
export const SLA_FAMILIES = {
  availability: ['vigil_sla_availability_ratio', 'Availability of the current period to date (0..1)'],
  target: ['vigil_sla_target_ratio', 'SLA target (0..1)'],
  budget: ['vigil_sla_error_budget_remaining_ratio', 'Share of the error budget left this period'],
  burn: ['vigil_sla_burn_rate', 'Error-budget burn rate by window'],
  projected: ['vigil_sla_projected_availability_ratio', 'Projected end-of-period availability (0..1)'],
  breach: [
    'vigil_sla_time_to_breach_seconds',
    'Measured time until the error budget is used up at the last 24 h rate (0 = used up); absent when not this period',
  ],
  downtime: ['vigil_sla_downtime_seconds', 'In-scope seconds the service was down this period to date'],
  maintenance: ['vigil_sla_maintenance_seconds', 'Seconds of this period to date inside maintenance windows (not counted against the SLA)'],
  excluded: ['vigil_sla_excluded_seconds', 'Seconds of this period to date excluded by an operator (with a reason, in the report)'],
  incidents: ['vigil_sla_period_incidents', 'Service-down incidents counted in this period to date'],
  inMaintenance: ['vigil_sla_maintenance_active', '1 while the service is inside one of its maintenance windows (notifications muted), else 0'],
} as const;

/**
 * The current-period SLA figures as families. `maintenance_active` is judged now from the
 * definition in force (the same rule that mutes notifications); the rest comes from the figures.
 */
export async function slaFamilies(rows: Rows, definitions: readonly SlaDefinition[], now: number): Promise<Family[]> {
  const f = Object.fromEntries(Object.entries(SLA_FAMILIES).map(([k, [name, help]]) => [k, new Family(name, help)])) as Record<
    keyof typeof SLA_FAMILIES,
    Family
  >;
  const defs = new Map<string, SlaDefinition | undefined>();
  const pause = slices();
  for (const { client, figures: s } of rows) {
    await pause.tick();
    const l = labelPairs([
      ['client', client],
      ['service', s.id],
    ]);
    f.target.add(l, Number((s.target / 100).toPrecision(12))); // 99.9 / 100 is 0.9990000000000001 in binary
    if (s.availabilityPercent !== null) f.availability.add(l, s.availabilityPercent / 100);
    if (Number.isFinite(s.errorBudget.remainingRatio)) f.budget.add(l, s.errorBudget.remainingRatio);
    for (const [w, v] of Object.entries(s.burnRate ?? {})) if (v !== null) f.burn.add(`${l},window="${w}"`, v);
    const p = s.toDate?.projectedAvailabilityPercent;
    if (p !== undefined && p !== null) f.projected.add(l, p / 100);
    const ttb = s.toDate?.timeToBreachSeconds;
    if (ttb !== undefined && ttb !== null) f.breach.add(l, ttb);
    f.downtime.add(l, s.downtimeSeconds);
    f.maintenance.add(l, s.maintenanceSeconds);
    f.excluded.add(l, s.excludedSeconds);
    f.incidents.add(l, s.incidentCount);
    if (!defs.has(client)) defs.set(client, selectDefinition(definitions, client, now));
    const def = defs.get(client);
    const svc = def?.services.find((x) => x.id === s.id);
    if (def && svc) f.inMaintenance.add(l, isInMaintenance(svc, def.timezone, now) ? 1 : 0);
  }
  return Object.values(f);
}
