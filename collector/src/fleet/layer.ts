import { Type, type Static } from 'typebox';
import type { Problem } from '../../../shared/errors.js';
import { Id, Labels } from '../../../shared/protocol/v1/common.js';
import { validator } from '../../../shared/validate.js';

/**
 * One layer of central configuration: a client's template (`clients/<client>.yaml`), a site's
 * overrides (`sites/<client>/<site>.yaml`) or an agent's (`agents/<agentId>.yaml`). Applied in that
 * order (merge.ts): `remove` drops check ids of the layers below, `checks` adds an entry or replaces
 * the one with its id whole, `defaults` and `labels` are merged key by key (later wins).
 *
 * The collector checks the shape only (ids, nesting, bounds): which probe types and options exist
 * is the agent's business, so each agent validates the entries with its own validator and reports
 * what it rejects (README, "Central configuration and the fleet").
 */
export const PLACEHOLDERS = ['{client}', '{site}', '{agent}'] as const;
/** A check id as written in a layer: an id, possibly with placeholders (`gw-{site}`), expanded per agent. */
const LayerCheckId = Type.String({ pattern: '^[A-Za-z0-9{][A-Za-z0-9_.:{}-]{0,127}$' });
export const MAX_CHECKS_PER_LAYER = 1000;
export const MAX_LAYER_BYTES = 1024 * 1024;

export const LayerSchema = Type.Object(
  {
    defaults: Type.Optional(Type.Record(Type.String({ pattern: '^[A-Za-z][A-Za-z0-9]{0,63}$' }), Type.Unknown(), { maxProperties: 32 })),
    labels: Type.Optional(Labels),
    checks: Type.Optional(Type.Array(Type.Object({ id: LayerCheckId }, { additionalProperties: true }), { maxItems: MAX_CHECKS_PER_LAYER })),
    remove: Type.Optional(Type.Array(LayerCheckId, { maxItems: MAX_CHECKS_PER_LAYER })),
  },
  { additionalProperties: false },
);
/** A check entry: agent.yaml's check keys, checked by the agent. */
export type CheckEntry = { id: string } & Record<string, unknown>;
export type Layer = Omit<Static<typeof LayerSchema>, 'checks'> & { checks?: CheckEntry[] };

/** Which layer: the key of its file in the config dir and of its admin API route. */
export type LayerRef = { kind: 'client'; client: string } | { kind: 'site'; client: string; site: string } | { kind: 'agent'; agent: string };

const idCheck = validator(Id);
const layerCheck = validator(LayerSchema);

/** `clients/acme`, `sites/acme/hq`, `agents/acme.hq-1`: the file is this plus `.yaml`. */
export function layerKey(ref: LayerRef): string {
  return ref.kind === 'client' ? `clients/${ref.client}` : ref.kind === 'site' ? `sites/${ref.client}/${ref.site}` : `agents/${ref.agent}`;
}

/** The ref of a key, or undefined when a part is not an id (so no key ever names a path outside the dir). */
export function refOf(key: string): LayerRef | undefined {
  const parts = key.split('/');
  if (!parts.slice(1).every((p) => idCheck.check(p))) return undefined;
  if (parts[0] === 'clients' && parts.length === 2) return { kind: 'client', client: parts[1]! };
  if (parts[0] === 'sites' && parts.length === 3) return { kind: 'site', client: parts[1]!, site: parts[2]! };
  if (parts[0] === 'agents' && parts.length === 2) return { kind: 'agent', agent: parts[1]! };
  return undefined;
}

/** The layers an agent gets, lowest first. */
export const layersOf = (a: { id: string; clientId: string; siteId: string }): string[] => [
  layerKey({ kind: 'client', client: a.clientId }),
  layerKey({ kind: 'site', client: a.clientId, site: a.siteId }),
  layerKey({ kind: 'agent', agent: a.id }),
];

/** Every problem of a layer's shape, with its path (an empty file is an empty layer). */
export function layerProblems(raw: unknown): Problem[] {
  if (raw === null || raw === undefined) return [];
  const problems = layerCheck.problems(raw);
  if (problems.length > 0) return problems;
  const l = raw as Layer;
  const seen = new Set<string>();
  l.checks?.forEach((c, i) => {
    if (seen.has(c.id)) problems.push({ path: `/checks/${i}/id`, message: `duplicate check id "${c.id}" in this layer` });
    seen.add(c.id);
    problems.push(...placeholderProblems(c.id, `/checks/${i}/id`));
  });
  l.remove?.forEach((id, i) => problems.push(...placeholderProblems(id, `/remove/${i}`)));
  return problems;
}

function placeholderProblems(id: string, path: string): Problem[] {
  const unknown = (id.match(/\{[^}]*\}?/g) ?? []).filter((p) => !(PLACEHOLDERS as readonly string[]).includes(p));
  return unknown.length === 0 ? [] : [{ path, message: `unknown placeholder ${unknown.join(', ')}; known: ${PLACEHOLDERS.join(', ')}` }];
}
