import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { nocOverview } from './noc-overview.js';

export const DASHBOARD_DIR = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Every generated file: path relative to dashboards/ → content. Stable output so a diff means a change. */
export function generatedFiles(): Record<string, string> {
  const dash = nocOverview().build();
  return {
    [`${dash.uid}.json`]: JSON.stringify(dash, null, 2) + '\n',
    'provisioning/dashboards/vigil.yaml': [
      'apiVersion: 1',
      'providers:',
      '  - name: vigil',
      '    folder: Vigil',
      '    type: file',
      '    disableDeletion: false',
      '    options:',
      '      path: /var/lib/grafana/dashboards/vigil   # copy dashboards/*.json here',
      '',
    ].join('\n'),
    'provisioning/datasources/vigil.yaml': [
      'apiVersion: 1',
      'datasources:',
      '  - name: Vigil Prometheus',
      '    uid: vigil-prometheus',
      '    type: prometheus',
      '    access: proxy',
      '    url: http://127.0.0.1:9090   # your Prometheus that scrapes the collector /metrics',
      '',
    ].join('\n'),
  };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  for (const [rel, content] of Object.entries(generatedFiles())) {
    const path = join(DASHBOARD_DIR, rel);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, content);
    process.stdout.write(`wrote dashboards/${rel}\n`);
  }
}
