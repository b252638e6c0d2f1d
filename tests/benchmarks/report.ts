/**
 * bench:report — 200 clients × 5 services (4 members each), the month 2026-10 of realistic
 * transitions (flaps, outages, unknown gaps) and incidents in a real SQLite store; then every
 * client's report as signed JSON and as PDF, as the collector makes them. Prints the time for all
 * and the peak RSS of the process while making them (sampled every 50 ms; the setup's own peak apart).
 * Goal (issue 15): ≤ 60 s, ≤ 300 MB.
 * BENCH_CLIENTS (default 200).
 */
import { performance } from 'node:perf_hooks';
import { ReportSigner } from '../../collector/src/reports/signing.js';
import { buildReport } from '../../collector/src/reports/model.js';
import { reportPdf } from '../../collector/src/reports/pdf.js';
import { SqliteStore } from '../../collector/src/store/sqlite/sqlite-store.js';
import type { TransitionRow } from '../../collector/src/store/types.js';
import type { SlaDefinition } from '../../shared/sla/types.js';
import { tempDir } from '../helpers/net.js';

const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 200);
const SERVICES = 5;
const MEMBERS = 4;
const START = Date.parse('2026-10-01T00:00:00Z');
const END = Date.parse('2026-11-01T00:00:00Z');
const NOW = END + 7 * 3_600_000; // the report run after the settle delay: final reports
let seed = 7;
const rnd = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;

let peak = 0;
const sample = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);

const dir = tempDir();
const store = await SqliteStore.open(dir.path);
const defs: SlaDefinition[] = [];
let transitions = 0;
let incidents = 0;
const t0 = performance.now();
for (let c = 0; c < CLIENTS; c++) {
  const client = `client-${String(c).padStart(3, '0')}`;
  defs.push({
    client,
    timezone: c % 3 === 0 ? 'Europe/Berlin' : c % 3 === 1 ? 'America/New_York' : 'UTC',
    version: '1',
    effectiveFrom: 0,
    services: Array.from({ length: SERVICES }, (_, s) => ({
      id: `svc-${s}`,
      target: s === 0 ? 99.95 : 99.9,
      period: 'calendar-month' as const,
      members: Array.from({ length: MEMBERS }, (_, m) => `s${s}-m${m}`),
      downtime: { when: { membersDown: 1 }, minDurationMs: 60_000 },
      unknown: 'exclude' as const,
      maintenance: [{ rrule: 'FREQ=WEEKLY;BYDAY=SU;BYHOUR=2;BYMINUTE=0;BYSECOND=0', durationMs: 3_600_000 }],
      credits: {
        tiers: [
          { below: 99.9, percent: 10 },
          { below: 99, percent: 25 },
        ],
        cap: 50,
      },
      incidentTargets: { p2: { notifySeconds: 900, responseSeconds: 1800, resolutionSeconds: 14_400 } },
    })),
  });
  const rows: TransitionRow[] = [];
  for (let s = 0; s < SERVICES; s++)
    for (let m = 0; m < MEMBERS; m++) {
      const checkId = `s${s}-m${m}`;
      rows.push({ clientId: client, checkId, ts: START, state: 'up', detectedAt: START, reason: null });
      // about 30 events a month: mostly short flaps, some outages of minutes to an hour, a few unknown gaps
      for (let t = START + rnd() * 86_400_000; t < END - 3_600_000; t += rnd() * 2 * 86_400_000) {
        const len = rnd() < 0.7 ? 10_000 + rnd() * 60_000 : rnd() < 0.9 ? 120_000 + rnd() * 3_600_000 : 600_000;
        const state = rnd() < 0.9 ? 'down' : 'unknown';
        rows.push({ clientId: client, checkId, ts: Math.round(t), state, detectedAt: Math.round(t) + 20_000, reason: null });
        rows.push({ clientId: client, checkId, ts: Math.round(t + len), state: 'up', detectedAt: Math.round(t + len) + 10_000, reason: null });
        if (state === 'down' && len > 120_000 && m === 0) {
          const i = await store.incidents.open({
            client,
            service: `svc-${s}`,
            kind: 'service-down',
            priority: 'p2',
            startedAt: Math.round(t),
            detectedAt: Math.round(t) + 20_000,
            members: [checkId],
            muted: false,
          });
          if (rnd() < 0.6) await store.incidents.acknowledge(i.id, Math.round(t) + 300_000, 'noc', 'api');
          await store.incidents.resolve(i.id, Math.round(t + len), Math.round(t + len) + 10_000);
          incidents++;
        }
      }
    }
  rows.sort((a, b) => a.ts - b.ts);
  transitions += rows.length;
  await store.checks.ingestBatch({
    agent: { id: `${client}.a`, clientId: client, siteId: 'hq' },
    seq: 1,
    receivedAt: END,
    results: [],
    metrics: [],
    checks: [],
    transitions: rows,
  });
}
const loadSeconds = (performance.now() - t0) / 1000;
const loadPeak = peak;
peak = process.memoryUsage().rss; // from here: what making the reports takes (RSS does not shrink much after the load)

const signer = await ReportSigner.from(store.settings, undefined);
let jsonMs = 0;
let pdfMs = 0;
let pdfBytes = 0;
const began = performance.now();
for (const d of defs) {
  const a = performance.now();
  const body = await buildReport(store, defs, d.client, '2026-10', NOW);
  const signature = signer.sign(body as unknown as Record<string, unknown>);
  JSON.stringify({ ...body, signature });
  const b = performance.now();
  pdfBytes += (await reportPdf(body, signature)).length;
  jsonMs += b - a;
  pdfMs += performance.now() - b;
}
const seconds = (performance.now() - began) / 1000;
clearInterval(sample);
peak = Math.max(peak, process.memoryUsage().rss);
await store.close();
dir.remove();
const peakRssMb = Math.round(peak / 1e5) / 10;
const loadPeakRssMb = Math.round(loadPeak / 1e5) / 10;
console.log(
  JSON.stringify({
    bench: 'report',
    clients: CLIENTS,
    servicesPerClient: SERVICES,
    transitions,
    incidents,
    loadSeconds: Math.round(loadSeconds * 10) / 10,
    seconds: Math.round(seconds * 100) / 100,
    jsonSeconds: Math.round(jsonMs / 10) / 100,
    pdfSeconds: Math.round(pdfMs / 10) / 100,
    pdfMegabytes: Math.round(pdfBytes / 1e4) / 100,
    peakRssMb,
    /** While the month was written into the store (the bench's own setup, not the collector's report run). */
    loadPeakRssMb,
    goal: { seconds: 60, peakRssMb: 300 },
    met: seconds <= 60 && peakRssMb <= 300,
  }),
);
