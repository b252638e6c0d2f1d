import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../shared/clock.js';
import { tempDir } from '../../helpers/net.js';
import { AS_ADMIN, collectorFixture } from './fixture.js';

/**
 * The collector records the runs in which a check is up only because degraded counts as up
 * (`degradedCounts: up`), and the SLA figures report them as degradedSeconds (before: always 0 live).
 * A run still open when the collector restarts is closed by the first good result after it.
 */
const DEF =
  'client: acme\ntimezone: UTC\nservices:\n' +
  '  - { id: voice, target: 99.9, members: [sip-1], downtime: { when: { membersDown: 1 } }, thresholds: { mosBelow: 3.5, degradedCounts: up } }\n' +
  '  - { id: strict, target: 99.9, members: [sip-2], downtime: { when: { membersDown: 1 } }, thresholds: { mosBelow: 3.5 } }\n';

let f: Awaited<ReturnType<typeof collectorFixture>> | undefined;
afterEach(async () => {
  await f?.close();
  f = undefined;
});

describe('degraded runs recorded by the collector', () => {
  it('a run of low-MOS results counted as up is degradedSeconds, not downtime; it survives a restart while open', async () => {
    const dir = tempDir();
    const clock = new ManualClock(Date.parse('2026-10-05T10:00:00Z'));
    f = await collectorFixture({}, DEF, { clock, dir });
    const a = await f.enroll('site-a');
    let seq = 0; // one sequence across the restart (a new fixture would start again at 1: replays)
    const feed = async (n: number, mos: number) => {
      for (let i = 0; i < n; i++) {
        clock.advance(10_000);
        const r = await f!.ingest(
          a,
          [
            { check: 'sip-1', status: 'up', metrics: { mos } },
            { check: 'sip-2', status: 'up', metrics: { mos } },
          ],
          { seq: ++seq },
        );
        expect(r.statusCode, r.body).toBe(200);
      }
      await f!.engine.idle();
    };
    const sla = async () => (await f!.app.inject({ url: '/api/v1/sla/acme', headers: AS_ADMIN })).json().services as Array<Record<string, number>>;
    await feed(6, 4.2);
    const degradedFrom = clock.now() + 10_000;
    await feed(6, 3.1); // degraded from here: voice counts it as up, strict as down
    const open = await sla();
    expect(open[0]).toMatchObject({ id: 'voice', downtimeSeconds: 0, degradedSeconds: (clock.now() - degradedFrom) / 1000 });
    expect(open[1]).toMatchObject({ id: 'strict', degradedSeconds: 0 });
    expect(open[1]!.downtimeSeconds).toBeGreaterThan(0);

    // a restart with the run open: the next good result closes the run that began before it
    await f.close(true);
    f = await collectorFixture({}, DEF, { clock, dir });
    await feed(3, 3.0);
    await feed(6, 4.4);
    const closedAt = clock.now() - 5 * 10_000; // the first of the 6 good results
    const after = await sla();
    expect(after[0]).toMatchObject({ downtimeSeconds: 0, degradedSeconds: (closedAt - degradedFrom) / 1000, availabilityPercent: 100 });
    const runs = await f.store.checks.degradedRunsFor('acme', ['sip-1', 'sip-2'], 0, clock.now() + 1);
    expect(runs).toEqual([{ check: 'sip-1', start: degradedFrom, end: closedAt }]);
    dir.remove();
  });
});
