import type { Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';

/** Variables Grafana defines itself. */
const BUILTIN = new Set([
  '__interval',
  '__interval_ms',
  '__rate_interval',
  '__range',
  '__range_s',
  '__range_ms',
  '__url_time_range',
  '__from',
  '__to',
  '__dashboard',
]);
/** `$name`, `${name}`, `${name:format}`, `[[name]]`; `${__data.fields.x}` is a data-link field, not a variable. */
const REF = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::[^}]*)?\}|\$([A-Za-z_][A-Za-z0-9_]*)|\[\[([A-Za-z_][A-Za-z0-9_]*)\]\]/g;
/** A raw per-check family selected directly (one series per check). */
const PER_CHECK = /\bvigil_(check|probe)_[a-z0-9_]+\{/;

interface Target {
  expr?: string;
  refId?: string;
  range?: boolean;
  datasource?: { uid?: string };
}
interface LoosePanel {
  id?: number;
  type: string;
  title?: string;
  datasource?: { uid?: string };
  gridPos?: { x: number; y: number; w: number; h: number };
  targets?: Target[];
  transformations?: Array<{ id: string; options: { include?: { names?: string[] } } }>;
  fieldConfig?: {
    defaults?: { thresholds?: { steps?: Array<{ value: number | null }> } };
    overrides?: Array<{ properties?: Array<{ id: string; value?: unknown }> }>;
  };
}

export const refsIn = (text: string): string[] => [...text.matchAll(REF)].map((m) => m[1] ?? m[2] ?? m[3]!);

/** Every range and instant query expression of a dashboard, with its panel. */
export function targetsOf(d: Dashboard): Array<{ panel: string; expr: string; range: boolean }> {
  return (d.panels as LoosePanel[]).flatMap((p) => (p.targets ?? []).map((t) => ({ panel: p.title ?? '', expr: t.expr ?? '', range: t.range === true })));
}

/**
 * What can be checked without a Grafana: every datasource uid is a provisioned one; every variable
 * a query, title or link names is defined (a variable's query only names those before it) and every
 * defined variable is used; every link leads to a dashboard that exists, with variables it has and
 * fields its table shows; panels have ids, targets, a place on the grid and thresholds in order; and
 * no panel outside the drill-down draws a line per check. Returns the problems, empty when there is none.
 */
export function lintDashboards(all: readonly Dashboard[], datasourceUids: readonly string[]): string[] {
  const problems: string[] = [];
  const uids = new Set(all.map((d) => d.uid ?? ''));
  const varsOf = new Map(all.map((d) => [d.uid ?? '', new Set((d.templating?.list ?? []).map((v) => v.name))]));
  const tags = new Map(all.map((d) => [d.uid ?? '', new Set(d.tags ?? [])]));
  if (uids.size !== all.length) problems.push('two dashboards share a uid');
  for (const d of all) {
    const at = (where: string, msg: string) => problems.push(`${d.uid}: ${where}: ${msg}`);
    const ds = (where: string, ref: { uid?: string } | undefined) => {
      if (!ref?.uid || !datasourceUids.includes(ref.uid)) at(where, `datasource uid ${JSON.stringify(ref?.uid)} is not provisioned`);
    };
    const defined = varsOf.get(d.uid ?? '')!;
    const used = new Set<string>();
    const use = (where: string, text: string, allowed: ReadonlySet<string>) => {
      for (const r of refsIn(text)) {
        used.add(r);
        if (!allowed.has(r) && !BUILTIN.has(r)) at(where, `variable $${r} is not defined${defined.has(r) ? ' before this one' : ''}`);
      }
    };
    const before = new Set<string>();
    for (const v of d.templating?.list ?? []) {
      if ('datasource' in v) ds(`variable ${v.name}`, v.datasource as { uid?: string });
      use(`variable ${v.name}`, typeof v.query === 'string' ? v.query : JSON.stringify(v.query ?? ''), before);
      before.add(v.name);
    }
    const ids = new Set<number>();
    for (const p of d.panels as LoosePanel[]) {
      const where = `panel "${p.title}"`;
      if (p.id === undefined || ids.has(p.id)) at(where, `panel id ${p.id} is missing or not unique`);
      else ids.add(p.id);
      const g = p.gridPos;
      if (!g || g.x < 0 || g.w < 1 || g.x + g.w > 24 || g.h < 1) at(where, `gridPos ${JSON.stringify(g)} is off the 24-column grid`);
      use(where, p.title ?? '', defined);
      if (p.type === 'row') continue;
      ds(where, p.datasource);
      if (!p.targets?.length) at(where, 'has no query');
      const refIds = new Set<string>();
      for (const t of p.targets ?? []) {
        ds(`${where} query ${t.refId}`, t.datasource);
        if (!t.refId || refIds.has(t.refId)) at(where, `refId ${t.refId} is missing or not unique`);
        refIds.add(t.refId ?? '');
        if (!t.expr?.trim()) at(where, `query ${t.refId} has no expression`);
        use(where, t.expr ?? '', defined);
        if (t.range && d.uid !== 'vigil-drill-down' && PER_CHECK.test(t.expr ?? '')) at(where, `draws a line per check: ${t.expr}`);
      }
      const steps = (p.fieldConfig?.defaults?.thresholds?.steps ?? []).map((x) => x.value);
      if (steps.length > 0 && (steps[0] !== null || steps.slice(1).some((v, i) => v === null || (i > 0 && v <= steps[i]!))))
        at(where, `threshold steps ${JSON.stringify(steps)} are not a base (null) then ascending values`);
      const shown = new Set(p.transformations?.flatMap((x) => x.options?.include?.names ?? []) ?? []);
      for (const o of p.fieldConfig?.overrides ?? [])
        for (const prop of o.properties ?? [])
          if (prop.id === 'links')
            for (const l of prop.value as Array<{ url: string }>) {
              checkUrl(`${where} data link`, l.url, uids, varsOf, at);
              for (const [, field] of l.url.matchAll(/\$\{__data\.fields\.([A-Za-z_][A-Za-z0-9_]*)\}/g))
                if (!shown.has(field!)) at(`${where} data link`, `field ${field} is not a column of the table`);
            }
    }
    for (const l of d.links ?? []) {
      const where = `link "${l.title}"`;
      if (l.type === 'dashboards') {
        const targets = all.filter((o) => o.uid !== d.uid && (l.tags ?? []).every((t) => tags.get(o.uid ?? '')!.has(t)));
        if (targets.length === 0) at(where, `no other dashboard has the tags ${JSON.stringify(l.tags)}`);
      } else checkUrl(where, l.url ?? '', uids, varsOf, at);
    }
    for (const v of defined) if (!used.has(v)) at(`variable ${v}`, 'is defined but no query uses it');
  }
  return problems;
}

/** A link to `/d/<uid>?var-x=…`: the dashboard must exist and have every variable the link sets. */
function checkUrl(where: string, url: string, uids: ReadonlySet<string>, varsOf: ReadonlyMap<string, ReadonlySet<string>>, at: (w: string, m: string) => void) {
  const m = /^\/d\/([A-Za-z0-9_-]+)(?:\/[^?]*)?(?:\?(.*))?$/.exec(url);
  if (!m) return at(where, `URL ${url} is not a link to a dashboard (/d/<uid>)`);
  if (!uids.has(m[1]!)) return at(where, `dashboard ${m[1]} does not exist`);
  for (const [, name] of (m[2] ?? '').matchAll(/(?:^|&)var-([A-Za-z_][A-Za-z0-9_]*)=/g))
    if (!varsOf.get(m[1]!)!.has(name!)) at(where, `dashboard ${m[1]} has no variable ${name}`);
}
