import { DateTime, IANAZone } from 'luxon';
import { parse as parseYaml } from 'yaml';
import { VigilError, type Problem } from '../errors.js';
import { validator } from '../validate.js';
import { businessHoursProblems } from './business-hours.js';
import { DefinitionFile } from './definition-schema.js';
import { parseDurationMs } from './duration.js';
import { parseRule } from './maintenance.js';
import type { MaintenanceEntry, ServiceDefinition, SlaDefinition } from './types.js';

const fileValidator = validator(DefinitionFile);
/** A report stays provisional this long after its period's end unless the definition says otherwise (`settleDelay`). */
export const DEFAULT_SETTLE_MS = 6 * 3_600_000;

export interface ParseOptions {
  /** When given, every member must be one of these check ids. */
  knownChecks?: ReadonlySet<string>;
}

/**
 * Parses and validates one definition from its text (shared/sla-files/ reads the files);
 * throws VIGIL_ERR_DEFINITION_INVALID listing every problem with its path.
 */
export function parseDefinition(text: string, source: string, opts: ParseOptions = {}): SlaDefinition {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (e) {
    throw new VigilError('DEFINITION_INVALID', `${source}: not valid YAML`, [{ path: '/', message: (e as Error).message }]);
  }
  const problems = fileValidator.problems(raw);
  if (problems.length === 0) problems.push(...semanticProblems(raw as DefinitionFile, opts));
  if (problems.length > 0) {
    throw new VigilError(
      'DEFINITION_INVALID',
      `${source}: SLA definition is invalid (${problems.length} problem${problems.length === 1 ? '' : 's'})`,
      problems,
    );
  }
  return toDefinition(raw as DefinitionFile);
}

function semanticProblems(f: DefinitionFile, opts: ParseOptions): Problem[] {
  const out: Problem[] = [];
  // an IANA name only: `local`, `system` or `default` would make the figures depend on the machine's TZ
  const zoneOk = IANAZone.isValidZone(f.timezone);
  if (!zoneOk) out.push({ path: '/timezone', message: `unknown IANA time zone "${f.timezone}"` });
  if (f.effectiveFrom !== undefined && !DateTime.fromISO(f.effectiveFrom).isValid)
    out.push({ path: '/effectiveFrom', message: 'must be an ISO date like 2026-11-01' });
  const ids = new Set<string>();
  f.services.forEach((s, i) => {
    const p = `/services/${i}`;
    if (ids.has(s.id)) out.push({ path: `${p}/id`, message: `duplicate service id "${s.id}"` });
    ids.add(s.id);
    if (s.target <= 0 || s.target > 100) out.push({ path: `${p}/target`, message: `target must be a percentage above 0 and at most 100, got ${s.target}` });
    s.members.forEach((m, j) => {
      if (opts.knownChecks && !opts.knownChecks.has(m)) out.push({ path: `${p}/members/${j}`, message: `unknown member "${m}" (no such check)` });
    });
    if (s.downtime && 'membersDown' in s.downtime.when && s.downtime.when.membersDown > s.members.length) {
      out.push({ path: `${p}/downtime/when/membersDown`, message: `${s.downtime.when.membersDown} exceeds the ${s.members.length} members` });
    }
    (s.maintenance ?? []).forEach((m, j) => {
      if ('rrule' in m) {
        try {
          parseRule(m.rrule);
        } catch (e) {
          out.push({ path: `${p}/maintenance/${j}/rrule`, message: `invalid RRULE: ${(e as Error).message}` });
        }
      } else if (!DateTime.fromISO(m.start, { zone: zoneOk ? f.timezone : 'UTC' }).isValid) {
        out.push({ path: `${p}/maintenance/${j}/start`, message: `invalid local date-time "${m.start}"` });
      }
    });
    if (s.businessHours) out.push(...businessHoursProblems(s.businessHours, `${p}/businessHours`));
  });
  return out;
}

function toDefinition(f: DefinitionFile): SlaDefinition {
  const zone = f.timezone;
  return {
    client: f.client,
    timezone: zone,
    version: f.version === undefined ? '1' : String(f.version),
    effectiveFrom: f.effectiveFrom ? DateTime.fromISO(f.effectiveFrom, { zone }).toMillis() : 0,
    settleDelayMs: f.settleDelay === undefined ? DEFAULT_SETTLE_MS : (parseDurationMs(f.settleDelay) ?? DEFAULT_SETTLE_MS),
    services: f.services.map(
      (s): ServiceDefinition => ({
        id: s.id,
        target: s.target,
        period: s.period ?? 'calendar-month',
        members: s.members,
        downtime: { when: s.downtime?.when ?? { membersDown: 1 }, minDurationMs: parseDurationMs(s.downtime?.minDuration ?? 0) ?? 0 },
        unknown: s.unknown ?? 'exclude',
        maintenance: (s.maintenance ?? []).map((m): MaintenanceEntry => {
          const durationMs = parseDurationMs(m.duration) ?? 0;
          const reason = m.reason;
          return 'rrule' in m ? { rrule: m.rrule, durationMs, ...(reason ? { reason } : {}) } : { start: m.start, durationMs, ...(reason ? { reason } : {}) };
        }),
        ...(s.businessHours ? { businessHours: s.businessHours } : {}),
        ...(s.credits ? { credits: s.credits } : {}),
        ...(s.priority ? { priority: s.priority } : {}),
        ...(s.thresholds
          ? {
              thresholds: {
                ...(s.thresholds.errorRateAbove !== undefined ? { errorRateAbove: s.thresholds.errorRateAbove } : {}),
                ...(s.thresholds.latencyP95Above !== undefined ? { latencyP95AboveMs: parseDurationMs(s.thresholds.latencyP95Above) ?? 0 } : {}),
                ...(s.thresholds.mosBelow !== undefined ? { mosBelow: s.thresholds.mosBelow } : {}),
                ...(s.thresholds.degradedCounts ? { degradedCounts: s.thresholds.degradedCounts } : {}),
              },
            }
          : {}),
        ...(s.incidentTargets
          ? {
              incidentTargets: Object.fromEntries(
                Object.entries(s.incidentTargets).map(([prio, t]) => [
                  prio,
                  {
                    ...(t.notify !== undefined ? { notifySeconds: (parseDurationMs(t.notify) ?? 0) / 1000 } : {}),
                    ...(t.response !== undefined ? { responseSeconds: (parseDurationMs(t.response) ?? 0) / 1000 } : {}),
                    ...(t.resolution !== undefined ? { resolutionSeconds: (parseDurationMs(t.resolution) ?? 0) / 1000 } : {}),
                  },
                ]),
              ),
            }
          : {}),
      }),
    ),
  };
}

/** The version of `client`'s definition in force at `at` (latest effectiveFrom ≤ at). */
export function selectDefinition(defs: readonly SlaDefinition[], client: string, at: number): SlaDefinition | undefined {
  let best: SlaDefinition | undefined;
  for (const d of defs) if (d.client === client && d.effectiveFrom <= at && (!best || d.effectiveFrom > best.effectiveFrom)) best = d;
  return best ?? defs.filter((d) => d.client === client).sort((a, b) => a.effectiveFrom - b.effectiveFrom)[0];
}

/** The services of `client`'s definition in force at `at` that have `check` as a member. */
export function servicesWithMember(defs: readonly SlaDefinition[], client: string, check: string, at: number): ServiceDefinition[] {
  const def = selectDefinition(defs, client, at);
  return def ? def.services.filter((s) => s.members.includes(check)) : [];
}
