import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DASHBOARD_DIR, dashboards, generatedFiles, TARGET } from '../../../dashboards/src/generate.js';

describe('generated dashboards', () => {
  it('the committed JSON and provisioning files match the TypeScript source (run `npm run dashboards` if not)', () => {
    const files = generatedFiles();
    for (const [rel, content] of Object.entries(files)) {
      expect(readFileSync(join(DASHBOARD_DIR, rel), 'utf8'), `dashboards/${rel} is stale: run npm run dashboards`).toBe(content);
    }
    // no dashboard JSON left behind that the source no longer makes
    const committed = readdirSync(DASHBOARD_DIR).filter((f) => f.endsWith('.json'));
    expect(committed.sort()).toEqual(
      Object.keys(files)
        .filter((f) => f.endsWith('.json'))
        .sort(),
    );
  });

  it('ships the seven dashboards of the NOC, each at the schema version the JSON targets', () => {
    const all = dashboards();
    expect(all.map((d) => d.title)).toEqual([
      'Vigil — NOC overview',
      'Vigil — Client SLA',
      'Vigil — Site and service drill-down',
      'Vigil — VoIP quality',
      'Vigil — Capacity',
      'Vigil — Agent fleet',
      'Vigil — Collector health',
    ]);
    for (const d of all) expect(d.schemaVersion, d.uid).toBe(TARGET.schemaVersion);
  });

  it('the provisioning files point Grafana at the dashboards and define the datasource they query', () => {
    const files = generatedFiles();
    expect(files['provisioning/datasources/vigil.yaml']).toMatch(/uid: vigil-prometheus\n\s+type: prometheus/);
    expect(files['provisioning/dashboards/vigil.yaml']).toMatch(/type: file[\s\S]*path: \/var\/lib\/grafana\/dashboards\/vigil/);
  });
});
