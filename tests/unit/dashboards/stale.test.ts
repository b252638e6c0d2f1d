import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DASHBOARD_DIR, generatedFiles } from '../../../dashboards/src/generate.js';

describe('generated dashboards', () => {
  it('the committed JSON and provisioning files match the TypeScript source (run `npm run dashboards` if not)', () => {
    for (const [rel, content] of Object.entries(generatedFiles())) {
      expect(readFileSync(join(DASHBOARD_DIR, rel), 'utf8'), `dashboards/${rel} is stale: run npm run dashboards`).toBe(content);
    }
  });

  it('every panel queries the vigil-prometheus datasource', () => {
    const dash = JSON.parse(generatedFiles()['vigil-noc-overview.json']!);
    const panels = dash.panels.filter((p: { type: string }) => p.type !== 'row');
    expect(panels.length).toBeGreaterThan(15);
    for (const p of panels) for (const t of p.targets) expect(t.datasource.uid).toBe('vigil-prometheus');
  });
});
