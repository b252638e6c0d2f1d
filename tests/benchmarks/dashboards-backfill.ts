/**
 * bench:dashboards' history: Prometheus has scraped the collector for a few minutes only, but the
 * dashboards' range queries read hours. For every series a range query reads (dashboards-plan.ts
 * rangeNames: recorded series and the collector's own low-cardinality families; for the one-client
 * dashboards only that client's series), the hours before the live window are written as OpenMetrics
 * from the series' current values — counters growing linearly up to them, gauges waving a little
 * around them — at the resolution the series really has (its rule group's interval, or the scrape
 * interval for a scraped family), and turned into TSDB blocks by
 * `promtool tsdb create-blocks-from openmetrics` in Prometheus' data dir (Prometheus stopped; it
 * loads them when it starts again). Raw per-check families that only instant queries read need no
 * history beyond the live window.
 */
import { spawnSync } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';

export interface BackfillFigures {
  names: number;
  series: number;
  samples: number;
  bytes: number;
  promtoolSeconds: number;
}

type Sample = { metric: Record<string, string>; value: [number, string] };
const COUNTER = /(_total|_count|_sum|_bucket)$/;
const escapeValue = (v: string) => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');

async function current(promUrl: string, selector: string): Promise<Sample[]> {
  const res = await fetch(`${promUrl}/api/v1/query?query=${encodeURIComponent(selector)}`, { signal: AbortSignal.timeout(60_000) });
  const body = (await res.json()) as { status: string; error?: string; data: { result: Sample[] } };
  if (body.status !== 'success') throw new Error(`${selector}: ${body.error}`);
  return body.data.result;
}

/** Writes the history file for `names` (name → how far back, one client only?, seconds between samples) ending just before `liveStart` (ms). */
export async function writeHistory(
  promUrl: string,
  names: ReadonlyMap<string, { seconds: number; singleClient: boolean; step: number }>,
  client: string,
  liveStart: number,
  file: string,
): Promise<Omit<BackfillFigures, 'promtoolSeconds'>> {
  const out = createWriteStream(file);
  let series = 0;
  let samples = 0;
  let bytes = 0;
  const end = Math.floor(liveStart / 1000) - 60;
  for (const [name, { seconds, singleClient, step }] of names) {
    const rows = await current(promUrl, singleClient ? `${name}{client="${client}"}` : name);
    if (rows.length === 0) continue;
    const start = end - seconds;
    out.write(`# TYPE ${name} ${COUNTER.test(name) ? 'unknown' : 'gauge'}\n`);
    for (const r of rows) {
      series++;
      const v = Number(r.value[1]);
      if (!Number.isFinite(v)) continue;
      const labels = Object.entries(r.metric)
        .filter(([k]) => k !== '__name__')
        .map(([k, x]) => `${k}="${escapeValue(x)}"`)
        .join(',');
      const head = `${name}{${labels}} `;
      const phase = (series * 2654435761) % 1000;
      let chunk = '';
      for (let t = start; t <= end; t += step) {
        const x = COUNTER.test(name) ? (v * (t - start)) / (end - start) : v * (1 + 0.02 * Math.sin((t + phase) / 900));
        chunk += `${head}${Number(x.toPrecision(8))} ${t}\n`;
        samples++;
      }
      bytes += chunk.length;
      if (!out.write(chunk)) await once(out, 'drain');
    }
  }
  out.end('# EOF\n');
  await once(out, 'finish');
  return { names: names.size, series, samples, bytes };
}

/** Turns the history file into blocks in `dataDir` (Prometheus must be stopped). */
export function createBlocks(file: string, dataDir: string): number {
  const t = performance.now();
  const r = spawnSync('promtool', ['tsdb', 'create-blocks-from', 'openmetrics', '--quiet', file, dataDir], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`promtool create-blocks-from openmetrics failed (${r.status}): ${(r.stderr || r.stdout).slice(-2000)}`);
  return (performance.now() - t) / 1000;
}
