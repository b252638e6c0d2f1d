/**
 * bench:sla — 10,000 endpoints (200 clients × 50 checks, 5 services of 10 members with a
 * 2-of-10 quorum, weekly maintenance) × 30 days of realistic flapping (short flaps, some
 * real outages, clustered site outages, unknown gaps). Times the full-month report for all
 * clients, and the naive second-by-second reference on the same data (a sample of services,
 * scaled per service-second) for the ratio. Prints one JSON line.
 */
import { computeReport } from '../../shared/sla/report.js';
import { resolvePeriod } from '../../shared/sla/period.js';
import { downThreshold } from '../../shared/sla/quorum.js';
import type { SlaDefinition, Transition } from '../../shared/sla/types.js';
import { naiveFigures } from '../unit/sla/naive-reference.js';

const CLIENTS = 200;
const MEMBERS = 50;
const SERVICES = 5;
const period = resolvePeriod('calendar-month', '2026-10', 'UTC');
let seed = 42;
const rnd = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;

const defs: SlaDefinition[] = [];
const byClient = new Map<string, Transition[]>();
for (let c = 0; c < CLIENTS; c++) {
  const client = `client-${c}`;
  const members = Array.from({ length: MEMBERS }, (_, i) => `ep-${i}`);
  defs.push({
    client,
    timezone: 'UTC',
    version: '1',
    effectiveFrom: 0,
    services: Array.from({ length: SERVICES }, (_, s) => ({
      id: `svc-${s}`,
      target: 99.9,
      period: 'calendar-month' as const,
      members: members.slice(s * 10, s * 10 + 10),
      downtime: { when: { membersDown: 2 }, minDurationMs: 300_000 },
      unknown: 'exclude' as const,
      maintenance: [{ rrule: 'FREQ=WEEKLY;BYDAY=SU;BYHOUR=2;BYMINUTE=0;BYSECOND=0', durationMs: 7_200_000 }],
    })),
  });
  const t: Transition[] = members.map((check) => ({ ts: period.start - 3600_000, check, state: 'up' as const }));
  const add = (check: string, start: number, len: number, state: 'down' | 'unknown') => {
    t.push({ ts: start, check, state }, { ts: start + len, check, state: 'up' });
  };
  for (const check of members) {
    const flaps = 2 + Math.floor(rnd() * 6);
    for (let k = 0; k < flaps; k++)
      add(check, period.start + Math.floor(rnd() * 29 * 86400) * 1000, (30 + Math.floor(rnd() * 600)) * 1000, rnd() < 0.15 ? 'unknown' : 'down');
  }
  for (let k = 0; k < 2; k++) {
    // a site outage: a whole service block at once
    const at = period.start + Math.floor(rnd() * 29 * 86400) * 1000;
    const block = Math.floor(rnd() * SERVICES) * 10;
    for (let i = 0; i < 10; i++) add(`ep-${block + i}`, at, (600 + Math.floor(rnd() * 3600)) * 1000, 'down');
  }
  byClient.set(
    client,
    t.sort((a, b) => a.ts - b.ts),
  );
}
const transitions = [...byClient.values()].reduce((n, t) => n + t.length, 0);

/** Median of 5 timed runs after a warm-up. */
const median = (run: () => void): number => {
  run();
  const runs: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    run();
    runs.push(performance.now() - t0);
  }
  return runs.sort((a, b) => a - b)[2]!;
};
const engineMs = median(() => {
  for (const d of defs) computeReport(d, byClient.get(d.client)!, period, { asOf: period.end });
});
// The current period as /metrics and early warning see it: mid-month, with seven burn-rate windows and the projection.
const midMonth = period.start + 15 * 86_400_000 + 12 * 3_600_000;
const currentMs = median(() => {
  for (const d of defs)
    computeReport(
      d,
      byClient.get(d.client)!.filter((x) => x.ts <= midMonth),
      period,
      { asOf: midMonth },
    );
});

// Naive reference on the same data: one service per sampled client over one day; per service-day cost scaled to all.
const SAMPLE = 3;
const day = { start: period.start + 9 * 86400_000, end: period.start + 10 * 86400_000 };
let naiveMs = 0;
let engineSampleMs = 0;
for (let c = 0; c < SAMPLE; c++) {
  const d = defs[c]!;
  const svc = d.services[0]!;
  const tr = byClient.get(d.client)!.filter((x) => svc.members.includes(x.check));
  let t0 = performance.now();
  naiveFigures(
    {
      members: svc.members,
      threshold: downThreshold(svc.downtime, svc.members.length),
      minDurationS: 300,
      unknown: 'exclude',
      timezone: 'UTC',
      oneOff: [],
      daily: [],
    },
    tr,
    day.start - 3600_000,
    day.start,
    day.end,
  );
  naiveMs += performance.now() - t0;
  t0 = performance.now();
  computeReport({ ...d, services: [{ ...svc, maintenance: [] }] }, tr, { label: 'd', ...day }, { asOf: day.end });
  engineSampleMs += performance.now() - t0;
}
const scale = (CLIENTS * SERVICES * 31) / SAMPLE;
const naiveFullEstimateMs = naiveMs * scale;
console.log(
  JSON.stringify({
    endpoints: CLIENTS * MEMBERS,
    clients: CLIENTS,
    services: CLIENTS * SERVICES,
    days: 31,
    transitions,
    engine_full_month_ms: Math.round(engineMs * 10) / 10,
    engine_current_period_with_burn_rates_ms: Math.round(currentMs * 10) / 10,
    naive_sample_ms: Math.round(naiveMs),
    engine_same_sample_ms: Math.round(engineSampleMs * 100) / 100,
    naive_full_month_estimate_ms: Math.round(naiveFullEstimateMs),
    speedup_same_sample: Math.round(naiveMs / engineSampleMs),
    speedup_full_month_estimate: Math.round(naiveFullEstimateMs / engineMs),
    goal_ms: 1000,
  }),
);
