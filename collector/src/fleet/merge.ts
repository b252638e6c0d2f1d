import { canonicalJson, sha256Hex } from '../../../shared/report/canonical.js';
import type { AgentConfigDocument } from '../../../shared/protocol/v1/agent-config.js';
import type { CheckEntry, Layer } from './layer.js';

/** One agent's configuration, resolved from its layers: the document it fetches, and where each check came from. */
export interface ResolvedConfig {
  document: AgentConfigDocument;
  /** The layers that exist for the agent, lowest first (`clients/acme` …). */
  layers: string[];
  /** Check id (expanded) → the layer its entry came from. */
  sources: Record<string, string>;
}

/** Who the layers are resolved for: the values of the placeholders. */
export interface ResolveFor {
  client: string;
  site: string;
  agent: string;
}

/**
 * Applies the layers in order (lowest first): `remove` drops ids of the layers below, `checks`
 * adds an entry or replaces the one with the same id whole (it keeps its place in the list; a new id
 * goes last), `defaults` and `labels` are merged key by key. Placeholders in the check entries'
 * strings (`{client}`, `{site}`, `{agent}`) are then replaced, so a template check gets an id per
 * site (a check id belongs to one agent of a client). The version is a hash of the canonical JSON of
 * the result: equal documents have equal versions whatever the layers' key order.
 */
export function resolveConfig(layers: ReadonlyArray<{ key: string; layer: Layer }>, who: ResolveFor): ResolvedConfig {
  const byId = new Map<string, { entry: CheckEntry; from: string }>();
  let defaults: Record<string, unknown> = {};
  let labels: Record<string, string> = {};
  for (const { key, layer } of layers) {
    for (const id of layer.remove ?? []) byId.delete(id);
    for (const entry of layer.checks ?? []) byId.set(entry.id, { entry, from: key });
    defaults = { ...defaults, ...layer.defaults };
    labels = { ...labels, ...layer.labels };
  }
  const sources: Record<string, string> = {};
  const checks = [...byId.values()].map(({ entry, from }) => {
    const expanded = expand(entry, who) as CheckEntry;
    sources[String(expanded.id)] = from;
    return expanded;
  });
  const body = {
    ...(Object.keys(defaults).length > 0 ? { defaults } : {}),
    ...(Object.keys(labels).length > 0 ? { labels } : {}),
    checks,
  };
  return { document: { version: configVersion(body), ...body }, layers: layers.map((l) => l.key), sources };
}

/** The content hash of a document without its version: 16 hex digits of the SHA-256 of its canonical JSON. */
export function configVersion(body: Omit<AgentConfigDocument, 'version'>): string {
  return sha256Hex(canonicalJson(body)).slice(0, 16);
}

/** Every string in `v` with the placeholders replaced (keys stay as they are). */
function expand(v: unknown, who: ResolveFor): unknown {
  if (typeof v === 'string') return v.includes('{') ? v.replaceAll('{client}', who.client).replaceAll('{site}', who.site).replaceAll('{agent}', who.agent) : v;
  if (Array.isArray(v)) return v.map((x) => expand(x, who));
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, expand(x, who)]));
  return v;
}
