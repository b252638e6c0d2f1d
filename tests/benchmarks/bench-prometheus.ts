/**
 * The Prometheus of bench:dashboards: Debian's prometheus on a free loopback port, scraping the
 * collector every 15 s with the metrics token (as the README's scrape config does) and evaluating
 * dashboards/rules every 15 s. Its data dir outlives a stop, so it can be started again on the same
 * data (after a backfill).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Child, freePort, startChild, waitFor } from '../helpers/net.js';

export interface BenchPrometheus {
  url: string;
  dataDir: string;
  child: Child;
  stop(): Promise<void>;
}

export function writePrometheusConfig(dir: string, target: string, token: string, ruleFiles: readonly string[]): string {
  const config = join(dir, 'prometheus.yml');
  writeFileSync(
    config,
    [
      'global: { scrape_interval: 15s, scrape_timeout: 10s, evaluation_interval: 15s }',
      `rule_files: ${JSON.stringify(ruleFiles)}`,
      'scrape_configs:',
      '  - job_name: vigil',
      `    authorization: { type: Bearer, credentials: ${JSON.stringify(token)} }`,
      `    static_configs: [ { targets: [${JSON.stringify(target)}] } ]`,
      '',
    ].join('\n'),
  );
  mkdirSync(join(dir, 'prom-data'), { recursive: true });
  return config;
}

export async function startBenchPrometheus(dir: string, config: string): Promise<BenchPrometheus> {
  const port = await freePort();
  const dataDir = join(dir, 'prom-data');
  const child = startChild('prometheus', [
    `--config.file=${config}`,
    `--storage.tsdb.path=${dataDir}`,
    `--web.listen-address=127.0.0.1:${port}`,
    '--storage.tsdb.retention.time=30d',
  ]);
  const url = `http://127.0.0.1:${port}`;
  await waitFor(async () => (await fetch(`${url}/-/ready`)).ok || undefined, 'prometheus ready', 300_000, 500).catch((e) => {
    throw new Error(`${(e as Error).message}\n${child.output().slice(-3000)}`);
  });
  return { url, dataDir, child, stop: () => child.stop() };
}
