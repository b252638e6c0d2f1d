import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../shared/clock.js';
import { AS_ADMIN, collectorFixture } from './fixture.js';

/**
 * The provisional/final rule for a down run across the end of a period (docs/sla.md, "Runs across the
 * period's end"): judged by minDuration on its whole length, only its part inside counts, and the same
 * closed month gives one number whenever it is computed. Before the rule, a report made at the end
 * judged the part before the end alone (3 min < 5 min: 0 s), a later recompute offline said 180 s.
 */
const DEF =
  'client: acme\ntimezone: UTC\nsettleDelay: 12h\nservices:\n' +
  '  - { id: network, target: 99.9, members: [fw-1], downtime: { when: { membersDown: 1 }, minDuration: 5m } }\n';

let f: Awaited<ReturnType<typeof collectorFixture>> | undefined;
afterEach(async () => {
  await f?.close();
  f = undefined;
});

describe('a down run across the end of the period', () => {
  it('counts its part inside once the whole run reaches minDuration; provisional while open and settling, then final with the same figure', async () => {
    const clock = new ManualClock(Date.parse('2026-10-31T23:50:00Z'));
    f = await collectorFixture({}, DEF, { clock });
    const a = await f.enroll('site-a');
    const report = async () => (await f!.app.inject({ url: '/api/v1/reports/acme?period=2026-10', headers: AS_ADMIN })).json();
    const feed = async (until: number, status: (ts: number) => 'up' | 'down') => {
      while (clock.now() < until) {
        clock.advance(10_000);
        expect((await f!.ingest(a, [{ check: 'fw-1', status: status(clock.now()) }])).statusCode).toBe(200);
      }
      await f!.engine.idle();
    };
    const downFrom = Date.parse('2026-10-31T23:57:00Z');
    const upAt = Date.parse('2026-11-01T00:07:00Z');
    const state = (ts: number) => (ts >= downFrom && ts < upAt ? 'down' : 'up');

    await feed(Date.parse('2026-11-01T00:01:00Z'), state); // 4 min into the run: too short to judge yet
    const open = await report();
    expect(open.services[0]).toMatchObject({ downtimeSeconds: 0, downAtPeriodEnd: true });
    expect(open).toMatchObject({ status: 'provisional', provisionalUntil: null });
    expect(open.provisionalReasons).toContain("network is still down in a run that began before the period's end");

    await feed(Date.parse('2026-11-01T00:10:00Z'), state); // the run ended after 10 min: its 3 min in October count
    const settling = await report();
    expect(settling.services[0]).toMatchObject({ downtimeSeconds: 180, downAtPeriodEnd: false });
    expect(settling).toMatchObject({ status: 'provisional', provisionalUntil: '2026-11-01T12:00:00.000Z' });
    expect(settling.provisionalReasons).toEqual([expect.stringContaining('late data may still arrive until 2026-11-01T12:00:00.000Z')]);

    clock.set(Date.parse('2026-11-01T12:00:00Z'));
    const final = await report();
    expect(final).toMatchObject({ status: 'final' });
    expect(final.provisionalReasons).toBeUndefined();
    expect(final.services[0].downtimeSeconds).toBe(180);
    clock.set(Date.parse('2027-03-01T00:00:00Z')); // a recompute months later: the same figure
    expect((await report()).services[0].downtimeSeconds).toBe(180);
    // and November has the run's 7 min after midnight
    expect((await f.app.inject({ url: '/api/v1/sla/acme?period=2026-11', headers: AS_ADMIN })).json().services[0].downtimeSeconds).toBe(420);
  });
});
