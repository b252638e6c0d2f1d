import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { VigilError } from '../shared/errors.js';
import { loadDefinitionFile } from '../shared/sla-files/definition-files.js';
import { resolveServicePeriods } from '../shared/sla/period.js';
import { computeReport } from '../shared/sla/report.js';
import { parseTransitionsCsv } from '../shared/sla/transitions-csv.js';
import type { SlaReport } from '../shared/sla/types.js';

const CSV_COLUMNS = [
  'id',
  'target',
  'availabilityPercent',
  'measuredSeconds',
  'downtimeSeconds',
  'maintenanceSeconds',
  'unknownSeconds',
  'excludedSeconds',
  'coverage',
  'breached',
  'creditPercent',
  'incidentCount',
  'mttrSeconds',
  'degradedSeconds',
] as const;

/** Adds the offline `vigil sla compute`: needs no collector, only a definition and a transitions CSV. */
export function registerSlaCompute(sla: Command): void {
  sla
    .command('compute')
    .description('compute SLA figures offline from a definition and a transitions CSV (timestamp,check,state)')
    .requiredOption('--definition <file>', 'SLA definition YAML')
    .requiredOption('--transitions <file>', 'CSV with header timestamp,check,state')
    .requiredOption('--period <label>', 'period label: 2026-10 (month), 2026-Q4 (quarter), or a date for rolling-30d')
    .option('--as-of <iso>', 'instant the report is made at (default: the end of the period)')
    .option('--format <format>', 'json or csv', 'json')
    .action((o: { definition: string; transitions: string; period: string; asOf?: string; format: string }) => {
      process.stdout.write(runSlaCompute(o));
    });
}

export function runSlaCompute(o: { definition: string; transitions: string; period: string; asOf?: string; format: string }): string {
  if (o.format !== 'json' && o.format !== 'csv') throw new VigilError('QUERY_INVALID', `--format must be json or csv, got "${o.format}"`);
  const def = loadDefinitionFile(o.definition);
  const transitions = parseTransitionsCsv(readFileSync(o.transitions, 'utf8'), o.transitions);
  // each service over its own period kind: the label picks the services it fits (resolveServicePeriods)
  const periods = resolveServicePeriods(def.services, o.period, def.timezone);
  const asOf = o.asOf ? Date.parse(o.asOf) : Math.max(...[...periods.values()].map((p) => p.end));
  if (Number.isNaN(asOf)) throw new VigilError('QUERY_INVALID', `--as-of "${o.asOf}" is not an ISO instant`);
  // no --as-of: every service as at the end of its own period
  const report = computeReport(def, transitions, periods, { asOf, clampToPeriodEnd: !o.asOf });
  return o.format === 'json' ? JSON.stringify(toJson(report), null, 2) + '\n' : toCsv(report);
}

function toJson(r: SlaReport): unknown {
  return {
    client: r.client,
    definitionVersion: r.definitionVersion,
    timezone: r.timezone,
    period: { label: r.period.label, start: r.period.start, end: r.period.end },
    services: r.services.map((s) => ({
      ...s,
      downIntervals: s.downIntervals.map((i) => ({ start: new Date(i.start).toISOString(), end: new Date(i.end).toISOString() })),
    })),
  };
}

function toCsv(r: SlaReport): string {
  const rows = [['client', 'period', ...CSV_COLUMNS].join(',')];
  for (const s of r.services) rows.push([r.client, s.period.label, ...CSV_COLUMNS.map((c) => String(s[c] ?? ''))].join(','));
  return rows.join('\n') + '\n';
}
