import { readFileSync, statSync } from 'node:fs';
import type { Command } from 'commander';
import { VigilError } from '../shared/errors.js';
import { loadDefinitionFile, loadDefinitionsDir } from '../shared/sla-files/definition-files.js';
import { loadExclusionsFile } from '../shared/sla-files/exclusions-file.js';
import { chooseDefinition, clientsOf } from '../shared/sla/definition-choice.js';
import { computeReport } from '../shared/sla/report.js';
import { parseTransitionsCsv } from '../shared/sla/transitions-csv.js';
import type { Exclusion, SlaDefinition, SlaReport } from '../shared/sla/types.js';

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

export interface SlaComputeOptions {
  /** Definition files or directories (every version of the client's contract). */
  definition: string | string[];
  transitions: string;
  period: string;
  client?: string;
  exclusions?: string;
  asOf?: string;
  format: string;
  /** Where to say which definition version was used (the CLI: stderr). */
  note?: (line: string) => void;
}

/** Adds the offline `vigil sla compute`: needs no collector, only a definition and a transitions CSV. */
export function registerSlaCompute(sla: Command): void {
  sla
    .command('compute')
    .description('compute SLA figures offline from a definition and a transitions CSV (timestamp,check,state)')
    .requiredOption('--definition <file...>', 'SLA definition YAML file(s) or a directory: several versions of a contract choose by effectiveFrom')
    .requiredOption('--transitions <file>', 'CSV with header timestamp,check,state')
    .requiredOption('--period <label>', 'period label: 2026-10 (month), 2026-Q4 (quarter), or a date for rolling-30d')
    .option('--client <id>', 'the client, when the definitions hold several')
    .option('--exclusions <file>', 'carve-outs (YAML or JSON: service, start, end, reason, addedBy)')
    .option('--as-of <iso>', 'instant the report is made at (default: the end of the period)')
    .option('--format <format>', 'json or csv', 'json')
    .action((o: SlaComputeOptions) => {
      process.stdout.write(runSlaCompute({ ...o, note: (line) => process.stderr.write(`${line}\n`) }));
    });
}

export function runSlaCompute(o: SlaComputeOptions): string {
  if (o.format !== 'json' && o.format !== 'csv') throw new VigilError('QUERY_INVALID', `--format must be json or csv, got "${o.format}"`);
  const defs = loadDefinitions(o.definition);
  const clients = clientsOf(defs);
  const client = o.client ?? (clients.length === 1 ? clients[0]! : undefined);
  if (client === undefined) throw new VigilError('QUERY_INVALID', `the definitions are for several clients (${clients.join(', ')}): name one with --client`);
  if (!clients.includes(client)) throw new VigilError('NOT_FOUND', `no SLA definition for client "${client}" (have: ${clients.join(', ')})`);
  const transitions = parseTransitionsCsv(readFileSync(o.transitions, 'utf8'), o.transitions);
  const versions = defs.filter((d) => d.client === client);
  const exclusions = o.exclusions ? loadExclusionsFile(o.exclusions, versions) : [];
  // the version in force at the start of the period; none in force is an error, not a silent fallback
  const { def, periods } = chooseDefinition(versions, client, o.period, { strict: true });
  o.note?.(
    `${client}: definition version ${def.version} (effective from ${new Date(def.effectiveFrom).toISOString()}) of ${versions.length} version(s), ` +
      `${exclusions.length} exclusion(s)`,
  );
  // no --as-of: as of the end of the data (at least the period's end), so a down run across the end
  // is judged on its whole length, as the collector does (docs/sla.md, "Runs across the period's end")
  const lastData = transitions.reduce((m, t) => Math.max(m, t.ts), 0);
  const asOf = o.asOf ? Date.parse(o.asOf) : Math.max(lastData, ...[...periods.values()].map((p) => p.end));
  if (Number.isNaN(asOf)) throw new VigilError('QUERY_INVALID', `--as-of "${o.asOf}" is not an ISO instant`);
  const report = computeReport(def, transitions, periods, { asOf, exclusions });
  return o.format === 'json' ? JSON.stringify(toJson(report, def, exclusions), null, 2) + '\n' : toCsv(report);
}

function loadDefinitions(paths: string | string[]): SlaDefinition[] {
  const defs: SlaDefinition[] = [];
  for (const p of Array.isArray(paths) ? paths : [paths]) defs.push(...(statSync(p).isDirectory() ? loadDefinitionsDir(p) : [loadDefinitionFile(p)]));
  return defs;
}

function toJson(r: SlaReport, def: SlaDefinition, exclusions: readonly Exclusion[]): unknown {
  return {
    client: r.client,
    definitionVersion: r.definitionVersion,
    definitionEffectiveFrom: new Date(def.effectiveFrom).toISOString(),
    timezone: r.timezone,
    period: { label: r.period.label, start: r.period.start, end: r.period.end },
    services: r.services.map((s) => ({
      ...s,
      downIntervals: s.downIntervals.map((i) => ({ start: new Date(i.start).toISOString(), end: new Date(i.end).toISOString() })),
      exclusions: exclusions
        .filter((e) => e.service === s.id && e.end > Date.parse(s.period.start) && e.start < Date.parse(s.period.end))
        .map((e) => ({ start: new Date(e.start).toISOString(), end: new Date(e.end).toISOString(), reason: e.reason, addedBy: e.addedBy })),
    })),
  };
}

function toCsv(r: SlaReport): string {
  const rows = [['client', 'period', ...CSV_COLUMNS].join(',')];
  for (const s of r.services) rows.push([r.client, s.period.label, ...CSV_COLUMNS.map((c) => String(s[c] ?? ''))].join(','));
  return rows.join('\n') + '\n';
}
