import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { collectorFixture, AS_ADMIN } from './fixture.js';
import { CHECKS, HEARTBEAT_MS, INTERVAL_MS, type LateScenario, play, type Result, type SiteDriver, STRICT_DEF, type Status } from './late-scenario.js';

type F = Awaited<ReturnType<typeof collectorFixture>>;
const open: F[] = [];
afterEach(async () => {
  for (const f of open.splice(0)) await f.close();
});

/** Stale rule first (3 intervals), or the agent's heartbeats first (stale far away), or both. */
const VARIANTS = {
  stale: { confirmDown: 2, confirmUp: 1, staleAfterIntervals: 3, heartbeatLostAfter: '10m' },
  agent: { confirmDown: 2, confirmUp: 1, staleAfterIntervals: 1000, heartbeatLostAfter: '45s' },
  both: { confirmDown: 2, confirmUp: 1, staleAfterIntervals: 3, heartbeatLostAfter: '45s' },
  slow: { confirmDown: 3, confirmUp: 2, staleAfterIntervals: 3, heartbeatLostAfter: '45s' },
};
type Variant = keyof typeof VARIANTS;

async function site(variant: Variant, defs = STRICT_DEF) {
  const f = await collectorFixture({ state: VARIANTS[variant] }, defs);
  open.push(f);
  const a = await f.enroll('site-a');
  const driver: SiteDriver = {
    at: (ms) => f.clock.set(ms),
    ingest: async (rs: Result[]) => {
      const r = await f.ingest(a, rs);
      expect(r.statusCode, r.body).toBe(200);
    },
    heartbeat: async () => {
      const r = await f.heartbeat(a, CHECKS, { intervalSeconds: HEARTBEAT_MS / 1000 }, { intervalSeconds: INTERVAL_MS / 1000, timeoutSeconds: 1 });
      expect(r.statusCode, r.body).toBe(200);
    },
    sweep: () => f.engine.sweep(),
  };
  return { f, a, driver };
}

/** What must not depend on lateness: the SLA report, the stored transitions, the service incidents' times. */
async function outcome(f: F, end: number) {
  await f.engine.idle();
  const sla = await f.app.inject({ headers: AS_ADMIN, url: '/api/v1/sla/acme' });
  expect(sla.statusCode, sla.body).toBe(200);
  const incidents = (await f.store.incidents.list({ kind: 'service-down' })).map((i) => ({
    startedAt: i.startedAt,
    resolvedAt: i.resolvedAt,
    status: i.status,
  }));
  return { sla: sla.json(), transitions: await f.store.checks.transitionsFor('acme', [...CHECKS], 0, end + 1), incidents };
}

async function both(sc: LateScenario, variant: Variant) {
  const t0 = Date.parse('2026-10-05T10:00:00Z');
  const onTime = await site(variant);
  const late = await site(variant);
  const inferred: string[] = [];
  let unknownBefore = 0;
  const end = await play(onTime.driver, sc, false, t0);
  await play(late.driver, sc, true, t0, async () => {
    for (const c of CHECKS) inferred.push((await late.f.store.checks.get('acme', c))!.state);
    unknownBefore = (await late.f.app.inject({ headers: AS_ADMIN, url: '/api/v1/sla/acme' })).json().services[0].unknownSeconds;
  });
  onTime.f.clock.set(end);
  late.f.clock.set(end);
  return { onTime: await outcome(onTime.f, end), late: await outcome(late.f, end), inferred, unknownBefore };
}

const rounds = (n: number, down: Record<number, Status[]> = {}): Status[][] => Array.from({ length: n }, (_, i) => down[i] ?? (['up', 'up', 'up'] as Status[]));

describe('late results after an inferred unknown', () => {
  it.each(['stale', 'agent', 'both'] as const)(
    'a WAN outage backfilled after the sweep inferred unknown (%s) gives the SLA report of the same results on time',
    async (variant) => {
      // fw-1 goes down during the outage and comes back before it ends; the agent backfills it all in 2 batches
      const sc: LateScenario = {
        rounds: rounds(30, { 9: ['down', 'up', 'up'], 10: ['down', 'up', 'up'], 11: ['down', 'up', 'up'] }),
        outage: { start: 5, length: 15 },
        dropped: 0,
        batches: 2,
      };
      const r = await both(sc, variant);
      expect(r.inferred).toEqual(['unknown', 'unknown', 'unknown']); // the sweep did infer before the backfill came
      expect(r.late).toEqual(r.onTime);
      // before the backfill the report counted the gap as unknown (down, by this SLA); after it, no more than on time
      expect(r.unknownBefore).toBeGreaterThan(r.late.sla.services[0].unknownSeconds);
      // the outage of fw-1 is in the figures, confirmed from its first failing result, and nothing else is
      expect(r.late.transitions.filter((t) => t.check === 'fw-1').map((t) => t.state)).toEqual(['up', 'down', 'up']);
      expect(r.late.transitions.every((t) => t.state !== 'unknown')).toBe(true);
      expect(r.late.incidents).toEqual([{ startedAt: Date.parse('2026-10-05T10:01:30Z'), resolvedAt: Date.parse('2026-10-05T10:02:00Z'), status: 'resolved' }]);
    },
  );

  it('a hole the backfill leaves (rounds the agent lost) is unknown where the sweep would have put it, as on time', async () => {
    const sc: LateScenario = { rounds: rounds(30), outage: { start: 5, length: 15 }, dropped: 6, batches: 3 };
    const r = await both(sc, 'stale');
    expect(r.late).toEqual(r.onTime);
    const t0 = Date.parse('2026-10-05T10:00:00Z');
    // last result before the hole at round 4: unknown from round 5's due time until round 11 came
    expect(r.late.transitions.filter((t) => t.check === 'sw-1')).toEqual([
      { check: 'sw-1', ts: t0, state: 'up' },
      { check: 'sw-1', ts: t0 + 5 * INTERVAL_MS, state: 'unknown' },
      { check: 'sw-1', ts: t0 + 11 * INTERVAL_MS, state: 'up' },
    ]);
  });

  it('keeps the confirmation rule across the gap: a failing run split by the inferred unknown confirms from its first result', async () => {
    // round 4 fails once (1 of confirmDown 2) before the outage; round 5 fails again, but only arrives with the backfill
    const sc: LateScenario = {
      rounds: rounds(20, { 4: ['down', 'up', 'up'], 5: ['down', 'up', 'up'] }),
      outage: { start: 5, length: 8 },
      dropped: 0,
      batches: 1,
    };
    const r = await both(sc, 'both');
    expect(r.late).toEqual(r.onTime);
    const t0 = Date.parse('2026-10-05T10:00:00Z');
    expect(r.late.transitions.filter((t) => t.check === 'fw-1').map((t) => [t.ts - t0, t.state])).toEqual([
      [0, 'up'],
      [4 * INTERVAL_MS, 'down'],
      [6 * INTERVAL_MS, 'up'],
    ]);
  });

  it('property: any outage, backfill split and loss gives the same SLA, transitions and incidents as on time', async () => {
    const status = fc.constantFrom<Status>('up', 'up', 'up', 'down');
    const scenario = fc
      .record({
        n: fc.integer({ min: 10, max: 24 }),
        start: fc.integer({ min: 1, max: 20 }),
        length: fc.integer({ min: 1, max: 14 }),
        dropped: fc.integer({ min: 0, max: 6 }),
        batches: fc.integer({ min: 1, max: 4 }),
        variant: fc.constantFrom<Variant>('stale', 'agent', 'both', 'slow'),
        rounds: fc.array(fc.tuple(status, status, status), { minLength: 24, maxLength: 24 }),
      })
      .map(({ n, start, length, dropped, batches, variant, rounds: rs }) => {
        const s = Math.min(start, n - 3);
        const l = Math.max(1, Math.min(length, n - 1 - s));
        return { variant, sc: { rounds: rs.slice(0, n), outage: { start: s, length: l }, dropped, batches } satisfies LateScenario };
      });
    await fc.assert(
      fc.asyncProperty(scenario, async ({ variant, sc }) => {
        const r = await both(sc, variant);
        expect(r.late).toEqual(r.onTime);
        for (const f of open.splice(0)) await f.close();
      }),
      { numRuns: Number(process.env.LATE_RUNS ?? 25) },
    );
  }, 120_000);

  it('late results older than a real transition change nothing in state: stored only', async () => {
    const { f, driver } = await site('stale');
    const t0 = Date.parse('2026-10-05T10:00:00Z');
    f.clock.set(t0 + 1000);
    await driver.heartbeat();
    await driver.ingest(CHECKS.map((check) => ({ check, status: 'up', ts: t0 })));
    f.clock.set(t0 + 41_000);
    await driver.ingest([
      { check: 'fw-1', status: 'down', ts: t0 + 30_000 },
      { check: 'fw-1', status: 'down', ts: t0 + 40_000 },
    ]);
    const before = await f.store.checks.get('acme', 'fw-1');
    const history = await f.store.checks.transitionsFor('acme', ['fw-1'], 0, t0 + 100_000);
    const events = f.checkEvents.length;
    expect(before).toMatchObject({ state: 'down', stateSince: t0 + 30_000, lastTs: t0 + 40_000 });
    // results from before the down (and one between its two results) arrive late: an up run that would confirm at once
    await driver.ingest([
      { check: 'fw-1', status: 'up', ts: t0 + 10_000 },
      { check: 'fw-1', status: 'up', ts: t0 + 20_000 },
      { check: 'fw-1', status: 'up', ts: t0 + 35_000 },
    ]);
    expect(await f.store.checks.get('acme', 'fw-1')).toEqual(before);
    expect(await f.store.checks.transitionsFor('acme', ['fw-1'], 0, t0 + 100_000)).toEqual(history);
    expect(f.checkEvents.length).toBe(events);
    expect(await f.store.checks.countResults('acme')).toBe(3 + 2 + 3); // stored all the same
  });

  it('a late result older than the last one of a check waiting in an inferred unknown does not end that unknown', async () => {
    const { f, driver } = await site('stale');
    const t0 = Date.parse('2026-10-05T10:00:00Z');
    f.clock.set(t0 + 1000);
    await driver.heartbeat();
    await driver.ingest(CHECKS.map((check) => ({ check, status: 'up', ts: t0 + 10_000 })));
    f.clock.set(t0 + 60_000);
    await driver.sweep();
    expect((await f.store.checks.get('acme', 'fw-1'))!.state).toBe('unknown');
    await driver.ingest([{ check: 'fw-1', status: 'up', ts: t0 }]); // from before the last result the unknown follows
    expect(await f.store.checks.get('acme', 'fw-1')).toMatchObject({ state: 'unknown', stateSince: t0 + 20_000 });
    await driver.ingest([{ check: 'fw-1', status: 'up', ts: t0 + 20_000 }]); // the one that was due: the unknown is retracted
    expect(await f.store.checks.get('acme', 'fw-1')).toMatchObject({ state: 'unknown', stateSince: t0 + 30_000 }); // still behind: unknown from the next due time
    expect((await f.store.checks.transitionsFor('acme', ['fw-1'], 0, t0 + 100_000)).map((t) => [t.ts - t0, t.state])).toEqual([
      [10_000, 'up'],
      [30_000, 'unknown'],
    ]);
  });
});
