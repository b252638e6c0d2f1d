import { readFileSync } from 'node:fs';
import { Type } from 'typebox';
import { parse as parseYaml } from 'yaml';
import { type Problem, VigilError } from '../errors.js';
import type { Exclusion, SlaDefinition } from '../sla/types.js';
import { validator } from '../validate.js';

/*
 * The carve-outs file of the offline `vigil sla compute --exclusions FILE`: the same records the
 * collector keeps (`vigil sla exclude`, GET /api/v1/exclusions), as YAML or JSON:
 *
 *   exclusions:
 *     - service: internet
 *       start: 2026-10-03T10:00:00+02:00
 *       end: 2026-10-03T12:00:00+02:00
 *       reason: carrier outage, ticket 4711
 *       addedBy: jane@msp.example
 *
 * A bare list is accepted too. Instants need an offset or Z: a local time would depend on the
 * machine's TZ.
 */

const ISO_WITH_ZONE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/;
const MAX_EXCLUSIONS = 10_000;

const Entry = Type.Object(
  {
    service: Type.String({ minLength: 1, maxLength: 128 }),
    start: Type.String({ maxLength: 64 }),
    end: Type.String({ maxLength: 64 }),
    reason: Type.String({ minLength: 1, maxLength: 1000 }),
    addedBy: Type.String({ minLength: 1, maxLength: 200 }),
    addedAt: Type.Optional(Type.String({ maxLength: 64 })),
  },
  { additionalProperties: false },
);
const fileValidator = validator(
  Type.Union([Type.Object({ exclusions: Type.Array(Entry, { maxItems: MAX_EXCLUSIONS }) }), Type.Array(Entry, { maxItems: MAX_EXCLUSIONS })]),
);

/**
 * Parses a carve-outs text; every problem (shape, instant, order, a service no version of the
 * definition has) is reported with its path, as VIGIL_ERR_DEFINITION_INVALID.
 */
export function parseExclusions(text: string, source: string, defs: readonly SlaDefinition[]): Exclusion[] {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (e) {
    throw new VigilError('DEFINITION_INVALID', `${source}: not valid YAML or JSON`, [{ path: '/', message: (e as Error).message }]);
  }
  const shape = fileValidator.problems(raw);
  if (shape.length > 0) throw new VigilError('DEFINITION_INVALID', `${source}: exclusions are invalid (${shape.length} problems)`, shape);
  const list = Array.isArray(raw) ? raw : (raw as { exclusions: unknown[] }).exclusions;
  const base = Array.isArray(raw) ? '' : '/exclusions';
  const services = new Set(defs.flatMap((d) => d.services.map((s) => s.id)));
  const problems: Problem[] = [];
  const out: Exclusion[] = [];
  (list as Array<Record<string, string>>).forEach((e, i) => {
    const p = `${base}/${i}`;
    const start = instant(e.start!, `${p}/start`, problems);
    const end = instant(e.end!, `${p}/end`, problems);
    const addedAt = e.addedAt === undefined ? 0 : instant(e.addedAt, `${p}/addedAt`, problems);
    if (!services.has(e.service!))
      problems.push({ path: `${p}/service`, message: `no service "${e.service}" in the definition (${[...services].join(', ')})` });
    if (start !== undefined && end !== undefined && end <= start) problems.push({ path: `${p}/end`, message: 'must be after start' });
    if (start !== undefined && end !== undefined && addedAt !== undefined)
      out.push({ service: e.service!, start, end, reason: e.reason!, addedBy: e.addedBy!, addedAt });
  });
  if (problems.length > 0) throw new VigilError('DEFINITION_INVALID', `${source}: exclusions are invalid (${problems.length} problems)`, problems);
  return out;
}

export function loadExclusionsFile(path: string, defs: readonly SlaDefinition[]): Exclusion[] {
  return parseExclusions(readFileSync(path, 'utf8'), path, defs);
}

function instant(v: string, path: string, problems: Problem[]): number | undefined {
  const ms = ISO_WITH_ZONE.test(v) ? Date.parse(v) : Number.NaN;
  if (Number.isNaN(ms)) {
    problems.push({ path, message: `"${v}" is not an ISO-8601 instant with an offset or Z` });
    return undefined;
  }
  return ms;
}
