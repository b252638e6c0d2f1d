import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { reportInPdf, verifyReport } from '../../../shared/report/canonical.js';
import { tempDir } from '../../helpers/net.js';
import { AS_ADMIN, collectorFixture } from '../../unit/collector/fixture.js';

/** The PDF report, made in-process, read back with poppler: every figure in its text, every page renders, the signed JSON inside verifies. */
const dir = tempDir();
let f: Awaited<ReturnType<typeof collectorFixture>> | undefined;
afterAll(async () => {
  await f?.close();
  dir.remove();
});

describe('PDF report', () => {
  it('carries every figure of the JSON (pdftotext), renders every page (pdftoppm), and the signed JSON inside it verifies', async () => {
    f = await collectorFixture();
    const a = await f.enroll('site-a');
    for (let i = 0; i < 18; i++) {
      f.clock.advance(10_000);
      const s = i >= 6 && i < 12 ? 'down' : 'up';
      await f.ingest(a, [
        { check: 'fw-1', status: s },
        { check: 'sw-1', status: s },
      ]);
    }
    await f.engine.idle();
    await f.app.inject({
      method: 'POST',
      url: '/api/v1/admin/exclusions',
      headers: AS_ADMIN,
      payload: {
        clientId: 'acme',
        service: 'network',
        start: '2026-10-02T09:00:00Z',
        end: '2026-10-02T09:30:00Z',
        reason: 'carrier fibre cut',
        addedBy: 'am@msp',
      },
    });
    const json = (await f.app.inject({ url: '/api/v1/reports/acme', headers: AS_ADMIN })).json();
    const pdf = await f.app.inject({ url: '/api/v1/reports/acme?format=pdf', headers: AS_ADMIN });
    expect(pdf.headers['content-type']).toBe('application/pdf');
    const file = join(dir.path, 'report.pdf');
    writeFileSync(file, pdf.rawPayload);
    const text = execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' });
    const s = json.services[0];
    for (const want of [
      `acme, ${json.period.label}`,
      `${s.availabilityPercent.toFixed(3)} %`,
      `${s.target.toFixed(3)} %`,
      '60 s',
      'carrier fibre cut',
      'am@msp',
      json.signature.sha256,
      'Provisional',
    ])
      expect(text, want).toContain(want);
    for (const i of json.incidents) expect(text).toContain(`${i.id}`);
    const pages = join(dir.path, 'pages');
    mkdirSync(pages);
    execFileSync('pdftoppm', ['-png', '-r', '50', file, join(pages, 'p')]);
    const rendered = readdirSync(pages).filter((n) => n.endsWith('.png'));
    const count = Number(/Pages:\s+(\d+)/.exec(execFileSync('pdfinfo', [file], { encoding: 'utf8' }))?.[1]);
    expect(rendered.length).toBe(count);
    expect(count).toBeGreaterThan(0);
    const inside = reportInPdf(pdf.rawPayload)!;
    expect(verifyReport(inside, (await f.app.inject({ url: '/api/v1/reports/public-key' })).body)).toEqual([]);
    expect(inside.services).toEqual(json.services);
  });
});
