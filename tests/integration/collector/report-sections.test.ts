import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Report } from '../../../collector/src/reports/model.js';
import { startChromium } from '../../helpers/chromium.js';
import { tempDir } from '../../helpers/net.js';
import { AS_ADMIN, collectorFixture } from '../../unit/collector/fixture.js';

/**
 * The report's attribution, quality, capacity and coverage parts, fed for real through the ingest
 * API: an outage of two of three members (membersDown 2), VoIP paths at two sites with known MOS
 * values, a disk near full. Checked in the JSON against figures worked out here from what was fed,
 * then read back from the HTML in Chromium (screenshot in .vigil/screenshots/) and the PDF's text.
 */
const DEF =
  'client: acme\ntimezone: UTC\nservices:\n' +
  '  - { id: network, target: 99.9, members: [fw-1, sw-1, sw-2], downtime: { when: { membersDown: 2 }, minDuration: 30s } }\n';
const SHOTS = join(process.cwd(), '.vigil', 'screenshots');
const dir = tempDir();
const HQ_MOS = [4.41, 4.38, 4.2, 4.35, 3.1, 4.4, 4.39, 4.12, 4.3, 4.05, 3.49, 4.36];
const BRANCH_MOS = [3.2, 3.6, 2.9, 3.4, 3.55, 3.3];

let f: Awaited<ReturnType<typeof collectorFixture>>;
let report: Report;
let hq: { agentId: string; token: string };
beforeAll(async () => {
  f = await collectorFixture({}, DEF);
  hq = await f.enroll('hq-agent');
  const branch = await f.enroll('branch-agent', 'acme', 'branch');
  for (let i = 0; i < 12; i++) {
    f.clock.advance(10_000);
    const two = i >= 3 && i < 9 ? 'down' : 'up'; // fw-1 and sw-1 down for 60 s
    expect(
      (
        await f.ingest(hq, [
          { check: 'fw-1', status: two },
          { check: 'sw-1', status: i >= 3 && i < 7 ? 'down' : 'up' },
          { check: 'sw-2', status: 'up' },
          { check: 'sip-hq', status: 'up', metrics: { mos: HQ_MOS[i]! } },
        ])
      ).statusCode,
    ).toBe(200);
    if (i < BRANCH_MOS.length) expect((await f.ingest(branch, [{ check: 'sip-branch', status: 'up', metrics: { mos: BRANCH_MOS[i]! } }])).statusCode).toBe(200);
  }
  const ts = f.clock.now();
  const disk = (name: string, value: number) => ({ kind: 'metric', name, ts, value, labels: { mount: '/var' } });
  const metrics = await f.app.inject({
    method: 'POST',
    url: '/api/v1/ingest',
    headers: { authorization: `Bearer ${hq.token}` },
    payload: {
      agentId: hq.agentId,
      seq: 9000,
      sentAt: ts,
      samples: [
        disk('host_disk_size_bytes', 100e9),
        disk('host_disk_used_bytes', 95e9),
        disk('host_disk_full_days', 6.5),
        { ...disk('host_disk_size_bytes', 50e9), labels: { mount: '/' } },
        { ...disk('host_disk_used_bytes', 10e9), labels: { mount: '/' } },
      ],
    },
  });
  expect(metrics.statusCode, metrics.body).toBe(200);
  await f.engine.idle();
  report = (await f.app.inject({ url: '/api/v1/reports/acme', headers: AS_ADMIN })).json();
}, 60_000);
afterAll(async () => {
  await f?.close();
  dir.remove();
});

/** The q-quantile of the values by rank, as its 0.1 MOS bucket (floor): worked out from the raw values. */
const bucketQuantile = (values: number[], q: number) => Math.floor([...values].sort((a, b) => a - b)[Math.ceil(q * values.length) - 1]! * 10) / 10;

describe('report: attribution, quality, capacity, coverage', () => {
  it('names the members down in each down interval and the rule; lists the agents and checks that fed the figures', () => {
    const s = report.services[0]!;
    // sw-1 down from the 4th result to the 7th (30 s later than fw-1's 60 s ends): two members down for 40 s
    expect(s.downIntervals).toHaveLength(1);
    const d = s.downIntervals[0]!;
    expect(d.seconds).toBe(40);
    expect(d.membersDown).toEqual([
      { check: 'fw-1', downSeconds: 40 },
      { check: 'sw-1', downSeconds: 40 },
    ]);
    expect(d.rule).toBe('2 of 3 members down (membersDown: 2); run 40s >= minDuration 30s');
    expect(s.downtimeSeconds).toBe(40);
    expect(s.feeds.map((m) => [m.check, m.agent, m.site])).toEqual([
      ['fw-1', hq.agentId, 'hq'],
      ['sw-1', hq.agentId, 'hq'],
      ['sw-2', hq.agentId, 'hq'],
    ]);
    // before the first result each member is unknown: one gap from the period's start
    const first = s.feeds[0]!;
    expect(first.gaps).toBe(1);
    expect(first.longestGapSeconds).toBe((Date.parse('2026-10-05T10:00:10Z') - Date.parse('2026-10-01T00:00:00Z')) / 1000);
  });

  it('VoIP quality per site: median, 5th percentile and share below 3.5 from the MOS fed; worst site first', () => {
    const below = (v: number[]) => Math.round((v.filter((x) => x < 3.5).length / v.length) * 10_000) / 10_000;
    expect(report.quality.sites).toEqual([
      {
        site: 'branch',
        checks: ['sip-branch'],
        samples: 6,
        medianMos: bucketQuantile(BRANCH_MOS, 0.5),
        p5Mos: bucketQuantile(BRANCH_MOS, 0.05),
        belowAcceptableShare: below(BRANCH_MOS),
      },
      {
        site: 'hq',
        checks: ['sip-hq'],
        samples: 12,
        medianMos: bucketQuantile(HQ_MOS, 0.5),
        p5Mos: bucketQuantile(HQ_MOS, 0.05),
        belowAcceptableShare: below(HQ_MOS),
      },
    ]);
    expect(report.quality.sites[1]).toMatchObject({ medianMos: 4.3, p5Mos: 3.1, belowAcceptableShare: 0.1667 });
  });

  it('capacity lists the disk near full with its days to full, not the one with room', () => {
    expect(report.capacity).toMatchObject({
      disksWatched: 2,
      disks: [{ agent: hq.agentId, site: 'hq', mount: '/var', usedRatio: 0.95, daysToFull: 6.5 }],
      links: [],
    });
  });

  it('the HTML shows the same figures (Chromium) and the PDF carries them (pdftotext)', async () => {
    await f.app.listen({ host: '127.0.0.1', port: 0 });
    const base = `http://127.0.0.1:${(f.app.server.address() as { port: number }).port}`;
    const link = (await f.app.inject({ method: 'POST', url: '/api/v1/reports/acme/link', headers: AS_ADMIN, payload: { ttlSeconds: 600 } })).json();
    const browser = await startChromium();
    try {
      const page = browser.page;
      await page.navigate(new URL(link.url ?? link.path, base).toString());
      await page.until(`document.readyState === 'complete' && document.querySelector('[data-status]')`, 'the report page');
      const q = await page.evaluate<Array<Record<string, string>>>(`[...document.querySelectorAll('[data-quality-site]')].map((e) => ({ ...e.dataset }))`);
      expect(q.map((x) => [x.qualitySite, Number(x.median), Number(x.p5), Number(x.below)])).toEqual(
        report.quality.sites.map((s) => [s.site, s.medianMos, s.p5Mos, s.belowAcceptableShare]),
      );
      expect(await page.evaluate<string[]>(`[...document.querySelectorAll('[data-down]')].map((e) => e.dataset.seconds)`)).toEqual(['40']);
      expect(await page.evaluate<string>(`document.querySelector('table.down').innerText`)).toContain('fw-1 (40 s), sw-1 (40 s)');
      expect(await page.evaluate<string>(`document.querySelector('[data-disk="/var"]').dataset.used`)).toBe('0.95');
      expect(await page.evaluate<number>(`document.querySelectorAll('[data-feed]').length`)).toBe(3);
      expect(await page.evaluate<number>(`document.querySelectorAll('svg.daily rect[data-day]').length`)).toBe(report.services[0]!.daily.length);
      mkdirSync(SHOTS, { recursive: true });
      writeFileSync(join(SHOTS, 'report-sections.png'), await page.screenshot());
    } finally {
      await browser.close();
    }
    const pdf = await f.app.inject({ url: '/api/v1/reports/acme?format=pdf', headers: AS_ADMIN });
    const file = join(dir.path, 'sections.pdf');
    writeFileSync(file, pdf.rawPayload);
    const text = execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' }).replace(/\s+/g, ' ');
    for (const want of [
      '2 of 3 members down',
      '(membersDown: 2)',
      'run 40s >= minDuration 30s',
      'fw-1 (40 s), sw-1 (40 s)',
      'VoIP quality',
      'branch',
      `${report.quality.sites[0]!.medianMos!.toFixed(1)}`,
      '16.67 %',
      '/var',
      '95.0 %',
      '6.5 days',
      'Coverage',
      hq.agentId,
    ])
      expect(text, want).toContain(want);
  });
});
