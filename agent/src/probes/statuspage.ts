import { Type } from 'typebox';
import { fetchStatusDocument, isObject, notTheFormat, vendorResult, type Affected, type Level } from '../cloud/status-document.js';
import { defineProbe, type ProbeResult } from './types.js';

const Options = Type.Object(
  {
    /** The status page's base URL (`https://status.atlassian.com`); `/api/v2/summary.json` is appended unless the URL already names a `.json`. */
    url: Type.String({ pattern: '^https?://' }),
    /** Watch only these components (name, case-insensitive, or id); default: the whole page. */
    components: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { minItems: 1 })),
    insecureSkipVerify: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

/** Statuspage component statuses (API v2) on Vigil's scale; maintenance counts as degraded, an unknown word too. */
const COMPONENT: Record<string, Level> = { operational: 0, degraded_performance: 1, partial_outage: 1, major_outage: 2, under_maintenance: 1 };
/** `status.indicator` of the whole page: none | minor | major | critical. */
const INDICATOR: Record<string, Level> = { none: 0, minor: 1, major: 1, critical: 2 };

export function summaryUrl(url: string): string {
  return /\.json(\?.*)?$/.test(url) ? url : `${url.replace(/\/+$/, '')}/api/v2/summary.json`;
}

interface Component {
  id: string;
  name: string;
  status: string;
  group?: boolean;
}
const isComponent = (c: unknown): c is Component => isObject(c) && typeof c.name === 'string' && typeof c.status === 'string';

/**
 * Any Atlassian Statuspage (`GET <page>/api/v2/summary.json`). The whole page: the worst of
 * `status.indicator` and every component. With `components`: only those, by name or id; a
 * watched component missing from the page is a config problem, reported as such.
 */
export const statuspageProbe = defineProbe({
  type: 'statuspage',
  options: Options,
  describe: (o) => summaryUrl(o.url),
  async run(o, ctx): Promise<ProbeResult> {
    const answer = await fetchStatusDocument({ url: summaryUrl(o.url), insecureSkipVerify: o.insecureSkipVerify }, ctx);
    if (!answer.ok) return answer.result;
    const doc = answer.json;
    if (!isObject(doc) || !Array.isArray(doc.components) || !isObject(doc.status) || typeof doc.status.indicator !== 'string') {
      return notTheFormat(answer, 'Statuspage summary.json (components[] and status.indicator expected)');
    }
    const components = doc.components.filter(isComponent);
    const level = (c: Component): Affected => ({ name: c.name, level: COMPONENT[c.status] ?? 1, says: c.status });
    if (!o.components) {
      const indicator = doc.status.indicator;
      const description = typeof doc.status.description === 'string' ? doc.status.description : indicator;
      // a group's status repeats its worst member: count the members only
      return vendorResult(answer, components.filter((c) => c.group !== true).map(level), { name: 'page', level: INDICATOR[indicator] ?? 1, says: description });
    }
    const watched: Component[] = [];
    const missing: string[] = [];
    for (const want of o.components) {
      const c = components.find((x) => x.id === want || x.name.toLowerCase() === want.toLowerCase());
      if (c) watched.push(c);
      else missing.push(want);
    }
    if (missing.length > 0) {
      return {
        status: 'down',
        reason: 'config',
        durationMs: performance.now() - answer.t0,
        metrics: answer.metrics,
        message: `component(s) not on this page: ${missing.join(', ')}; it has: ${components.map((c) => c.name).join(', ')}`.slice(0, 1024),
      };
    }
    return vendorResult(answer, watched.map(level));
  },
});
