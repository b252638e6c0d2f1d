import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, startChild, tempDir, waitFor, type Child } from './net.js';

export interface Prometheus {
  url: string;
  query(expr: string): Promise<Array<{ metric: Record<string, string>; value: [number, string] }>>;
  stop(): Promise<void>;
  child: Child;
}

export interface PrometheusOptions {
  /** Absolute paths of rule files to load (`rule_files:`), evaluated every second. */
  ruleFiles?: string[];
  /** The collector's metrics scrape token (metrics.token), sent as Prometheus sends any bearer token. */
  bearer?: string;
}

/** A real Prometheus on a free loopback port, scraping `targets` (host:port) every second. */
export async function startPrometheus(targets: string[], opts: PrometheusOptions = {}): Promise<Prometheus> {
  const dir = tempDir();
  const port = await freePort();
  const config = join(dir.path, 'p.yml');
  const rules = opts.ruleFiles?.length ? `rule_files: ${JSON.stringify(opts.ruleFiles)}\n` : '';
  writeFileSync(
    config,
    `global: { scrape_interval: 1s, evaluation_interval: 1s }\n${rules}scrape_configs:\n  - job_name: vigil\n` +
      (opts.bearer ? `    authorization: { type: Bearer, credentials: ${JSON.stringify(opts.bearer)} }\n` : '') +
      `    static_configs: [ { targets: ${JSON.stringify(targets)} } ]\n`,
  );
  mkdirSync(join(dir.path, 'data'));
  const child = startChild('prometheus', [
    `--config.file=${config}`,
    `--storage.tsdb.path=${join(dir.path, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`,
  ]);
  const url = `http://127.0.0.1:${port}`;
  await waitFor(async () => (await fetch(`${url}/-/ready`)).ok || undefined, 'prometheus ready', 30_000).catch((e) => {
    throw new Error(`${e.message}\n${child.output()}`);
  });
  return {
    url,
    child,
    async query(expr) {
      const res = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(expr)}`);
      const body = (await res.json()) as { status: string; error?: string; data: { result: never[] } };
      if (body.status !== 'success') throw new Error(`query failed: ${expr}: ${body.error}`);
      return body.data.result;
    },
    async stop() {
      await child.stop();
      dir.remove();
    },
  };
}
