/**
 * The real collector of bench:metrics and bench:dashboards, started the way its server entry starts
 * it (ingest-collector.ts: startCollector(yaml), own process) with the 10,000-endpoint fleet of
 * metrics-fleet.ts: its SLA definitions, its agents enrolled and heartbeating. Also the helpers both
 * benches share: children in one temp dir, a logger on stderr, tsx children.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { type Child, freePort, startChild, waitFor } from '../helpers/net.js';
import { enrollFleet, type FleetAgent, sendHeartbeats, writeDefinitions } from './metrics-fleet.js';

export const ADMIN = 'bench-admin-token-0123456789abcdef';
export const METRICS_TOKEN = 'bench-metrics-token-0123456789abcdef';
const HERE = fileURLToPath(new URL('.', import.meta.url));
/** tsx's loader by absolute URL: the children run in the temp dir, where a bare `tsx` would not resolve. */
const TSX = import.meta.resolve('tsx');

export const round = (v: number, d = 1) => Math.round(v * 10 ** d) / 10 ** d;
export const percentile = (sorted: readonly number[], p: number) =>
  sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)]! : Number.NaN;

export function logger(name: string) {
  const began = Date.now();
  return (msg: string) => process.stderr.write(`[bench:${name} ${((Date.now() - began) / 1000).toFixed(1).padStart(6)} s] ${msg}\n`);
}

/** A tsx script of this folder as a child process (its output kept for errors); `profile`: write its CPU profile to BENCH_PROFILE=DIR. */
export const tsxChild = (script: string, args: string[], cwd: string, profile = false): Child => {
  const prof = profile && process.env.BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE}`] : [];
  return startChild(process.execPath, [...prof, '--import', TSX, join(HERE, script), ...args], cwd);
};

export const exited = (c: Child) => c.proc.exitCode !== null || c.proc.signalCode !== null;

export interface BenchCollector {
  base: string;
  child: Child;
  agents: FleetAgent[];
  /** GET /metrics with the scrape token: duration to the last byte, the body. */
  scrape(): Promise<{ ms: number; body: string }>;
}

/** Starts the collector on its own SQLite store in `dir`, enrolls the fleet and sends its first heartbeats. */
export async function startBenchCollector(dir: string, log: (m: string) => void): Promise<BenchCollector> {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  writeDefinitions(join(dir, 'sla'));
  const config = join(dir, 'collector.yaml');
  writeFileSync(
    config,
    stringify({
      listen: { host: '127.0.0.1', port },
      dataDir: join(dir, 'data'),
      slaDir: join(dir, 'sla'),
      adminToken: ADMIN,
      metrics: { token: METRICS_TOKEN },
      log: { level: 'warn' },
      // the fleet's agents heartbeat every 15 s; the default (3 heartbeats) applies
    }),
  );
  const child = tsxChild('ingest-collector.ts', [config], dir, true);
  await waitFor(
    async () => {
      if (exited(child)) throw new Error(`collector exited: ${child.output().slice(-2000)}`);
      return (
        (await fetch(`${base}/healthz`).then(
          (r) => r.ok,
          () => false,
        )) || undefined
      );
    },
    'collector /healthz',
    60_000,
  );
  const t = performance.now();
  const agents = await enrollFleet(base, ADMIN);
  await sendHeartbeats(base, agents);
  log(`${agents.length} agents of 200 clients enrolled and heartbeating in ${round((performance.now() - t) / 1000)} s`);
  return {
    base,
    child,
    agents,
    async scrape() {
      const t0 = performance.now();
      const res = await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` }, signal: AbortSignal.timeout(30_000) });
      const body = await res.text();
      if (!res.ok) throw new Error(`/metrics: ${res.status} ${body.slice(0, 300)}`);
      return { ms: performance.now() - t0, body };
    },
  };
}

/** Series per family of an exposition body (histogram parts counted under their family). */
export function familySeries(body: string): Record<string, number> {
  const out: Record<string, number> = {};
  let family = '';
  for (const line of body.split('\n')) {
    if (line.startsWith('# TYPE ')) family = line.split(' ')[2]!;
    else if (line && !line.startsWith('#')) out[family] = (out[family] ?? 0) + 1;
  }
  return out;
}
