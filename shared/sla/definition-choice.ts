import { VigilError } from '../errors.js';
import { selectDefinition } from './definition.js';
import { resolveServicePeriods } from './period.js';
import type { PeriodWindow, SlaDefinition } from './types.js';

export interface DefinitionChoice {
  def: SlaDefinition;
  /** Each reported service's own period (resolveServicePeriods) under the chosen version. */
  periods: Map<string, PeriodWindow>;
  /** The instant the version was chosen for: the start of the first reported service's period. */
  chosenFor: number;
  /** True when no version was in force then and the earliest one was used (lenient mode only). */
  beforeFirstVersion: boolean;
}

/**
 * The definition version a report uses: the one in force (latest effectiveFrom ≤ t) at the start
 * of the first reported service's period, so a contract change later does not rewrite a closed
 * period. `strict` (offline `vigil sla compute`) refuses a period before every version instead of
 * using the earliest one without a word; the collector is lenient (a demo or a client whose
 * contract file was dated after its first data) and says so in the report.
 */
export function chooseDefinition(
  defs: readonly SlaDefinition[],
  client: string,
  spec: string | { asOf: number },
  opts: { strict: boolean; now?: number },
): DefinitionChoice {
  const versions = defs.filter((d) => d.client === client);
  if (versions.length === 0) throw new VigilError('NOT_FOUND', `no SLA definition for client "${client}"`);
  // the services (and their period kinds) of the version in force now, or of the newest offline
  const latest = selectDefinition(versions, client, opts.now ?? Number.POSITIVE_INFINITY) as SlaDefinition;
  const first = resolveServicePeriods(latest.services, spec, latest.timezone).values().next().value as PeriodWindow;
  const inForce = versions.filter((d) => d.effectiveFrom <= first.start);
  if (inForce.length === 0 && opts.strict) {
    const earliest = versions.reduce((a, b) => (b.effectiveFrom < a.effectiveFrom ? b : a));
    throw new VigilError(
      'DEFINITION_NOT_IN_FORCE',
      `no version of ${client}'s SLA definition is in force on ${new Date(first.start).toISOString()} (period "${first.label}"); ` +
        `the earliest, version ${earliest.version}, is effective from ${new Date(earliest.effectiveFrom).toISOString()}`,
    );
  }
  const def = selectDefinition(versions, client, first.start) as SlaDefinition;
  return { def, periods: resolveServicePeriods(def.services, spec, def.timezone), chosenFor: first.start, beforeFirstVersion: inForce.length === 0 };
}

/** The clients of a set of definitions, to ask for one when a file holds several. */
export function clientsOf(defs: readonly SlaDefinition[]): string[] {
  return [...new Set(defs.map((d) => d.client))].sort();
}
