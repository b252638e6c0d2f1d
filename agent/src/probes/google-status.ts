import { Type } from 'typebox';
import { fetchStatusDocument, isObject, notTheFormat, vendorResult, type Affected, type Level } from '../cloud/status-document.js';
import { defineProbe, type ProbeResult } from './types.js';

const Options = Type.Object(
  {
    /** The Google Workspace Status Dashboard feed, `https://www.google.com/appsstatus/dashboard/incidents.json`. */
    url: Type.String({ pattern: '^https?://' }),
    /** Products to watch, by title (case-insensitive, e.g. "Gmail") or product id; default: every product. */
    products: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { minItems: 1 })),
    insecureSkipVerify: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

/** `most_recent_update.status` (or `status_impact`) of an incident on Vigil's scale; an unknown word counts as degraded. */
const IMPACT: Record<string, Level> = { SERVICE_OUTAGE: 2, SERVICE_DISRUPTION: 1, SERVICE_INFORMATION: 0, AVAILABLE: 0 };

interface Product {
  title: string;
  id: string;
}

/** The products an incident names; older entries carry only `service_name`/`service_key`. */
function productsOf(incident: Record<string, unknown>): Product[] {
  const list = Array.isArray(incident.affected_products) ? incident.affected_products : [];
  const named = list
    .filter((p): p is Product => isObject(p) && typeof p.title === 'string')
    .map((p) => ({ title: p.title, id: typeof p.id === 'string' ? p.id : '' }));
  if (named.length > 0) return named;
  return typeof incident.service_name === 'string'
    ? [{ title: incident.service_name, id: typeof incident.service_key === 'string' ? incident.service_key : '' }]
    : [];
}

function impactOf(incident: Record<string, unknown>): string {
  const recent = isObject(incident.most_recent_update) ? incident.most_recent_update.status : undefined;
  return typeof recent === 'string' ? recent : typeof incident.status_impact === 'string' ? incident.status_impact : 'unknown';
}

/**
 * Google Workspace Status Dashboard (`incidents.json`: every incident, open ones without `end`).
 * An open incident for a watched product sets that product's level from its most recent
 * update: SERVICE_OUTAGE → down, SERVICE_DISRUPTION → degraded, SERVICE_INFORMATION → up.
 */
export const googleStatusProbe = defineProbe({
  type: 'google-status',
  options: Options,
  describe: (o) => (o.products ? `${o.url} (${o.products.join(', ')})` : o.url),
  async run(o, ctx): Promise<ProbeResult> {
    const answer = await fetchStatusDocument({ url: o.url, insecureSkipVerify: o.insecureSkipVerify }, ctx);
    if (!answer.ok) return answer.result;
    if (!Array.isArray(answer.json) || !answer.json.every(isObject))
      return notTheFormat(answer, 'Google Workspace incidents.json (an array of incidents expected)');
    const wanted = o.products?.map((p) => p.toLowerCase());
    const worst = new Map<string, Affected>();
    for (const incident of answer.json as Record<string, unknown>[]) {
      if (incident.end !== undefined && incident.end !== null && incident.end !== '') continue;
      const impact = impactOf(incident);
      const level = IMPACT[impact] ?? 1;
      const desc = typeof incident.external_desc === 'string' ? ` (${incident.external_desc.slice(0, 160)})` : '';
      for (const p of productsOf(incident)) {
        if (wanted && !wanted.includes(p.title.toLowerCase()) && !wanted.includes(p.id.toLowerCase())) continue;
        const seen = worst.get(p.title);
        if (!seen || level > seen.level) worst.set(p.title, { name: p.title, level, says: `${impact}${desc}` });
      }
    }
    return vendorResult(answer, [...worst.values()]);
  },
});
