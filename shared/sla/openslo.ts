import { type Problem, VigilError } from '../errors.js';
import type { DefinitionFile } from './definition-schema.js';

/*
 * OpenSLO v1 (github.com/OpenSLO/OpenSLO) export and import of the part of a Vigil definition it can
 * say: per service an `SLO` with its objective (target), time window (calendar month or quarter in
 * the client's zone, or a rolling 30 days) and budgeting method (Timeslices of 1 s: Vigil measures
 * time, not events); its SLI is the availability Vigil computes and exports (vigil_sla_availability_ratio),
 * since the quorum of members that makes a service down is Vigil's own. What OpenSLO cannot express
 * (members, the quorum rule and minDuration, maintenance, business hours, the unknown policy,
 * thresholds, incident targets, credits, the version) rides in `metadata.annotations` under
 * `vigil.dev/*` (JSON values), so an export imports back unchanged; an import of a foreign SLO says
 * what it had to assume or leave out. Pure: YAML text is read and written by the caller.
 */

const A = 'vigil.dev/';
type FileService = DefinitionFile['services'][number];
/** The fields of a service kept in annotations, JSON-encoded. */
const ANNOTATED = ['members', 'downtime', 'unknown', 'maintenance', 'businessHours', 'credits', 'thresholds', 'priority', 'incidentTargets'] as const;

export interface OpenSloDoc {
  apiVersion: 'openslo/v1';
  kind: 'SLO';
  metadata: { name: string; displayName?: string; annotations: Record<string, string> };
  spec: Record<string, unknown>;
}

/** A definition file (as parsed YAML) as OpenSLO SLO documents, one per service. */
export function toOpenSlo(f: DefinitionFile): OpenSloDoc[] {
  return f.services.map((s) => {
    const annotations: Record<string, string> = {
      [`${A}client`]: f.client,
      [`${A}service`]: s.id,
      [`${A}timezone`]: f.timezone,
      ...(f.version !== undefined ? { [`${A}version`]: String(f.version) } : {}),
      ...(f.effectiveFrom !== undefined ? { [`${A}effectiveFrom`]: f.effectiveFrom } : {}),
      ...(f.settleDelay !== undefined ? { [`${A}settleDelay`]: String(f.settleDelay) } : {}),
    };
    for (const k of ANNOTATED) if (s[k] !== undefined) annotations[`${A}${k}`] = JSON.stringify(s[k]);
    const period = s.period ?? 'calendar-month';
    const timeWindow =
      period === 'rolling-30d'
        ? { duration: '30d', isRolling: true }
        : { duration: period === 'calendar-quarter' ? '1Q' : '1M', isRolling: false, calendar: { startTime: '2020-01-01 00:00:00', timeZone: f.timezone } };
    return {
      apiVersion: 'openslo/v1',
      kind: 'SLO',
      metadata: { name: dnsName(`${f.client}-${s.id}`), displayName: `${f.client} ${s.id}`, annotations },
      spec: {
        description: `Availability of ${s.id} for ${f.client} (Vigil SLA definition)`,
        service: f.client,
        indicator: {
          metadata: { name: dnsName(`${f.client}-${s.id}-up`) },
          spec: {
            thresholdMetric: {
              metricSource: { type: 'Prometheus', spec: { query: `vigil_sla_availability_ratio{client="${f.client}",service="${s.id}"}` } },
            },
          },
        },
        timeWindow: [timeWindow],
        budgetingMethod: 'Timeslices',
        objectives: [
          { displayName: 'availability', op: 'gte', value: 1, target: Number((s.target / 100).toPrecision(12)), timeSliceTarget: 1, timeSliceWindow: '1s' },
        ],
      },
    };
  });
}

export interface ImportResult {
  file: DefinitionFile;
  /** What could not be carried over, or was assumed, per document: say it to the user. */
  notes: string[];
}

/** OpenSLO documents (SLO kind; others are skipped with a note) as one Vigil definition; every problem with its path. */
export function fromOpenSlo(docs: readonly unknown[], opts: { client?: string } = {}): ImportResult {
  const notes: string[] = [];
  const problems: Problem[] = [];
  const services: FileService[] = [];
  let client = opts.client;
  let timezone: string | undefined;
  let top: Partial<DefinitionFile> = {};
  docs.forEach((raw, i) => {
    const p = `/${i}`;
    const d = raw as { apiVersion?: string; kind?: string; metadata?: { name?: string; annotations?: Record<string, string> }; spec?: Record<string, unknown> };
    if (d?.kind !== 'SLO') return void notes.push(`${p}: ${d?.kind ?? 'a document without kind'} skipped (only SLO is imported)`);
    if (d.apiVersion !== 'openslo/v1') problems.push({ path: `${p}/apiVersion`, message: `expected openslo/v1, got ${String(d.apiVersion)}` });
    const ann = d.metadata?.annotations ?? {};
    const spec = d.spec ?? {};
    const json = <T>(key: string): T | undefined => {
      if (ann[`${A}${key}`] === undefined) return undefined;
      try {
        return JSON.parse(ann[`${A}${key}`]!) as T;
      } catch {
        problems.push({ path: `${p}/metadata/annotations/${A}${key}`, message: 'not valid JSON' });
        return undefined;
      }
    };
    const c = ann[`${A}client`] ?? (typeof spec.service === 'string' ? spec.service : undefined);
    if (client === undefined) client = c;
    else if (c !== undefined && c !== client && !opts.client)
      problems.push({ path: `${p}/spec/service`, message: `another client (${c}) than ${client}: one definition is one client` });
    const id = ann[`${A}service`] ?? d.metadata?.name;
    if (!id) problems.push({ path: `${p}/metadata/name`, message: 'missing' });
    const window = (spec.timeWindow as Array<{ duration?: string; isRolling?: boolean; calendar?: { timeZone?: string } }> | undefined)?.[0];
    const period = periodOf(window, `${p}/spec/timeWindow/0`, problems);
    timezone ??= ann[`${A}timezone`] ?? window?.calendar?.timeZone;
    const objectives = (spec.objectives as Array<{ target?: number; targetPercent?: number }> | undefined) ?? [];
    const target = objectives[0]?.target !== undefined ? Number((objectives[0].target * 100).toPrecision(12)) : objectives[0]?.targetPercent;
    if (target === undefined) problems.push({ path: `${p}/spec/objectives/0/target`, message: 'missing' });
    if (objectives.length > 1) notes.push(`${p} ${id}: ${objectives.length} objectives, only the first imported (Vigil has one target per service)`);
    if (spec.budgetingMethod !== 'Timeslices') notes.push(`${p} ${id}: budgetingMethod ${String(spec.budgetingMethod)} imported as time-based availability`);
    if (spec.alertPolicies !== undefined) notes.push(`${p} ${id}: alertPolicies not imported (Vigil alerts on burn rates of its own)`);
    const members = json<string[]>('members');
    if (!members)
      problems.push({
        path: `${p}/metadata/annotations/${A}members`,
        message: 'the checks of this service: OpenSLO cannot say them; add the annotation (a JSON list of check ids)',
      });
    const svc: Record<string, unknown> = { id: id ?? '', target: target ?? 0, period, members: members ?? [] };
    for (const k of ANNOTATED) if (k !== 'members' && json(k) !== undefined) svc[k] = json(k);
    const missing = ANNOTATED.filter(
      (k) => k !== 'members' && ann[`${A}${k}`] === undefined && !['priority', 'incidentTargets', 'thresholds', 'businessHours'].includes(k),
    );
    if (missing.length > 0) notes.push(`${p} ${id}: no ${missing.join(', ')} in the annotations: Vigil's defaults apply`);
    services.push(svc as FileService);
    top = {
      ...top,
      ...(ann[`${A}version`] !== undefined ? { version: ann[`${A}version`] } : {}),
      ...(ann[`${A}effectiveFrom`] !== undefined ? { effectiveFrom: ann[`${A}effectiveFrom`] } : {}),
      ...(ann[`${A}settleDelay`] !== undefined ? { settleDelay: ann[`${A}settleDelay`] as DefinitionFile['settleDelay'] } : {}),
    };
  });
  if (!client) problems.push({ path: '/', message: 'no client: give --client or spec.service' });
  if (!timezone) {
    timezone = 'UTC';
    notes.push('no time zone in the documents: UTC assumed');
  }
  if (services.length === 0) problems.push({ path: '/', message: 'no SLO documents' });
  if (problems.length > 0) throw new VigilError('DEFINITION_INVALID', `OpenSLO import: ${problems.length} problem(s)`, problems);
  return { file: { client: client!, timezone, ...top, services }, notes };
}

function periodOf(w: { duration?: string; isRolling?: boolean } | undefined, path: string, problems: Problem[]): FileService['period'] {
  if (!w) {
    problems.push({ path, message: 'missing' });
    return 'calendar-month';
  }
  if (w.isRolling && w.duration === '30d') return 'rolling-30d';
  if (!w.isRolling && w.duration === '1M') return 'calendar-month';
  if (!w.isRolling && w.duration === '1Q') return 'calendar-quarter';
  problems.push({ path, message: `time window ${w.duration}${w.isRolling ? ' rolling' : ''} has no Vigil period (1M or 1Q calendar, or 30d rolling)` });
  return 'calendar-month';
}

/** OpenSLO names are DNS labels. */
function dnsName(s: string): string {
  return s
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 63);
}
