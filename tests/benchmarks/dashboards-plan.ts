/**
 * What Grafana asks Prometheus when a dashboard opens, for bench:dashboards: each template
 * variable's values (label values with match[] over the dashboard's range), then each panel
 * target — instant queries at the end of the range, range queries over the dashboard's default
 * range with the step Grafana derives from the panel's width (interval = range / data points,
 * at least the scrape interval, rounded to a "nice" interval as Grafana rounds it).
 */
import type { Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';

export interface PlannedQuery {
  dashboard: string;
  panel: string;
  kind: 'variable' | 'instant' | 'range';
  /** Path and query string of the request, relative to the Prometheus URL. */
  path: string;
  expr: string;
}

/** The scrape interval (datasource timeInterval) and a 1,600-pixel-wide browser window. */
const MIN_INTERVAL_S = 15;
const SCREEN_PX = 1600;
const NICE_S = [15, 20, 30, 60, 120, 300, 600, 900, 1200, 1800, 3600];

/** `30s`, `1m`, `6h` → seconds. */
const durationSeconds = (d: string) => {
  const m = /^(\d+)([smhd])$/.exec(d);
  if (!m) throw new Error(`unsupported interval ${d}`);
  return Number(m[1]) * { s: 1, m: 60, h: 3600, d: 86_400 }[m[2] as 's' | 'm' | 'h' | 'd'];
};

const rangeSeconds = (from: string) => {
  const m = /^now-(\d+)([mhd])$/.exec(from);
  if (!m) throw new Error(`unsupported dashboard range ${from}`);
  return Number(m[1]) * { m: 60, h: 3600, d: 86_400 }[m[2] as 'm' | 'h' | 'd'];
};

/** Grafana's interval for a panel `w` grid columns wide over `range` seconds, at least the panel's own minimum interval. */
export function stepFor(rangeS: number, w: number, minS = MIN_INTERVAL_S): number {
  const raw = Math.max(MIN_INTERVAL_S, minS, rangeS / Math.max(100, (w / 24) * SCREEN_PX));
  return NICE_S.find((n) => n >= raw) ?? Math.ceil(raw);
}

/** The values the variables take: a single client where a dashboard shows one, else "All". */
export function variableValues(d: Dashboard, client: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of d.templating?.list ?? []) out[v.name] = v.name === 'client' && !(v as { includeAll?: boolean }).includeAll ? client : '.*';
  return out;
}

const fill = (expr: string, values: Record<string, string>) => expr.replace(/\$([a-z]+)/g, (m, v: string) => values[v] ?? m);

export function planDashboard(d: Dashboard, client: string, now: number): PlannedQuery[] {
  const values = variableValues(d, client);
  const rangeS = rangeSeconds(d.time?.from ?? 'now-6h');
  const end = Math.floor(now / 1000);
  const start = end - rangeS;
  const out: PlannedQuery[] = [];
  for (const v of d.templating?.list ?? []) {
    const m = /^label_values\((.+), *([a-z_]+)\)$/.exec(String(v.query));
    if (!m) continue;
    const match = fill(m[1]!, values);
    out.push({
      dashboard: d.uid!,
      panel: `$${v.name}`,
      kind: 'variable',
      expr: match,
      path: `/api/v1/label/${m[2]}/values?match[]=${encodeURIComponent(match)}&start=${start}&end=${end}`,
    });
  }
  for (const p of d.panels as Array<{ title?: string; interval?: string; gridPos?: { w: number }; targets?: Array<{ expr?: string; instant?: boolean }> }>) {
    for (const t of p.targets ?? []) {
      const expr = fill(t.expr ?? '', values);
      if (t.instant)
        out.push({ dashboard: d.uid!, panel: p.title ?? '', kind: 'instant', expr, path: `/api/v1/query?query=${encodeURIComponent(expr)}&time=${end}` });
      else {
        const step = stepFor(rangeS, p.gridPos?.w ?? 12, p.interval ? durationSeconds(p.interval) : MIN_INTERVAL_S);
        const s = Math.floor(start / step) * step; // Grafana aligns the range to the step
        out.push({
          dashboard: d.uid!,
          panel: p.title ?? '',
          kind: 'range',
          expr,
          path: `/api/v1/query_range?query=${encodeURIComponent(expr)}&start=${s}&end=${end}&step=${step}`,
        });
      }
    }
  }
  return out;
}

/** The names a dashboard's range queries read, and over how many seconds: what the backfill must cover. */
export function rangeNames(all: readonly Dashboard[]): Map<string, { seconds: number; singleClient: boolean }> {
  const out = new Map<string, { seconds: number; singleClient: boolean }>();
  for (const d of all) {
    const seconds = rangeSeconds(d.time?.from ?? 'now-6h');
    const single = variableValues(d, 'x').client === 'x';
    for (const p of d.panels as Array<{ targets?: Array<{ expr?: string; instant?: boolean }> }>)
      for (const t of p.targets ?? []) {
        if (t.instant) continue;
        // the range, plus the longest range selector in the query ([1h] reads an hour before the first step)
        const window = Math.max(
          300,
          ...[...(t.expr ?? '').matchAll(/\[(\d+)([mhd])\]/g)].map((m) => Number(m[1]) * { m: 60, h: 3600, d: 86_400 }[m[2] as 'm' | 'h' | 'd']),
        );
        for (const [name] of (t.expr ?? '').matchAll(/\b[a-z_][a-z0-9_:]*(?=\{)/g)) {
          const prev = out.get(name!);
          out.set(name!, { seconds: Math.max(prev?.seconds ?? 0, seconds + window), singleClient: (prev?.singleClient ?? true) && single });
        }
      }
  }
  return out;
}
