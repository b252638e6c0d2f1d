import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import { agentFleet } from './agent-fleet.js';
import { capacity } from './capacity.js';
import { clientSla } from './client-sla.js';
import { collectorHealth } from './collector-health.js';
import { drillDown } from './drill-down.js';
import { lintDashboards } from './lint.js';
import { nocOverview } from './noc-overview.js';
import { DATASOURCE } from './panels.js';
import { voipQuality } from './voip-quality.js';

export const DASHBOARD_DIR = join(dirname(fileURLToPath(import.meta.url)), '..');

/** The Grafana release line the JSON is written for: the classic JSON model at this schemaVersion (README, "Grafana dashboards"). */
export const TARGET = { grafana: '12.2 or later (13.x included)', schemaVersion: 42 };

/** Every Vigil dashboard, in the order of the navigation. */
export function dashboards(): Dashboard[] {
  return [nocOverview, clientSla, drillDown, voipQuality, capacity, agentFleet, collectorHealth].map((d) => d().build());
}

/** The datasources the provisioning file defines: the only uids a dashboard may name. */
export const PROVISIONED_DATASOURCES = [
  { name: 'Vigil Prometheus', ...DATASOURCE, url: 'http://127.0.0.1:9090', note: 'your Prometheus that scrapes the collector /metrics' },
];

/** Every generated file: path relative to dashboards/ → content. Stable output so a diff means a change. */
export function generatedFiles(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const d of dashboards()) out[`${d.uid}.json`] = `${JSON.stringify(d, null, 2)}\n`;
  out['provisioning/dashboards/vigil.yaml'] = [
    'apiVersion: 1',
    'providers:',
    '  - name: vigil',
    '    folder: Vigil',
    '    type: file',
    '    disableDeletion: false',
    '    allowUiUpdates: false',
    '    options:',
    '      path: /var/lib/grafana/dashboards/vigil   # copy dashboards/vigil-*.json here',
    '',
  ].join('\n');
  out['provisioning/datasources/vigil.yaml'] = [
    'apiVersion: 1',
    'datasources:',
    ...PROVISIONED_DATASOURCES.flatMap((d) => [
      `  - name: ${d.name}`,
      `    uid: ${d.uid}`,
      `    type: ${d.type}`,
      '    access: proxy',
      `    url: ${d.url}   # ${d.note}`,
      '    jsonData:',
      '      timeInterval: 15s   # the scrape interval of the collector job',
    ]),
    '',
  ].join('\n');
  return out;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const problems = lintDashboards(
    dashboards(),
    PROVISIONED_DATASOURCES.map((d) => d.uid),
  );
  if (problems.length > 0) {
    process.stderr.write(`dashboards have problems, nothing written:\n${problems.map((p) => `  ${p}`).join('\n')}\n`);
    process.exit(1);
  }
  for (const [rel, content] of Object.entries(generatedFiles())) {
    const path = join(DASHBOARD_DIR, rel);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, content);
    process.stdout.write(`wrote dashboards/${rel}\n`);
  }
}
