import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../shared/clock.js';
import { tempDir } from '../../helpers/net.js';
import { ADMIN, collectorFixture, AS_ADMIN } from './fixture.js';
import { INTERVAL_MS, STRICT_DEF } from './late-scenario.js';

type F = Awaited<ReturnType<typeof collectorFixture>>;
type Agent = { agentId: string; token: string };
const open: F[] = [];
let dir: ReturnType<typeof tempDir> | undefined;
afterEach(async () => {
  for (const f of open.splice(0)) await f.close(true);
  dir?.remove();
  dir = undefined;
});

const T0 = Date.parse('2026-10-05T10:00:00Z');
const HB_S = 15;
const CONFIG = { state: { confirmDown: 2, confirmUp: 1, staleAfterIntervals: 3, heartbeatLostAfter: '45s' } };
const CHECKS_OF = { a: ['fw-1', 'sw-1', 'sw-2'], b: ['b-1'], c: ['c-1'] } as const;
type Name = keyof typeof CHECKS_OF;

async function start(clock: ManualClock) {
  dir ??= tempDir();
  const f = await collectorFixture(CONFIG, STRICT_DEF, { dir, clock });
  open.push(f);
  return f;
}

/** An agent at its own site (site-unreachable incidents are per site). */
async function enroll(f: F, name: Name): Promise<Agent> {
  const admin = { authorization: `Bearer ${ADMIN}` };
  const t = (
    await f.app.inject({ method: 'POST', url: '/api/v1/admin/enrollment-tokens', headers: admin, payload: { clientId: 'acme', siteId: `site-${name}` } })
  ).json();
  const r = (await f.app.inject({ method: 'POST', url: '/api/v1/enroll', payload: { token: t.token, hostname: name, agentVersion: 't', name } })).json();
  return { agentId: r.agentId, token: r.agentToken };
}

async function heartbeat(f: F, a: Agent, name: Name) {
  const r = await f.heartbeat(a, CHECKS_OF[name], { intervalSeconds: HB_S }, { intervalSeconds: INTERVAL_MS / 1000, timeoutSeconds: 1 });
  expect(r.statusCode, r.body).toBe(200);
}

/** The results of agent `name`'s rounds [from, to) (round i at T0 + i × 10 s), all up, in one batch. */
async function rounds(f: F, a: Agent, name: Name, from: number, to: number, seq: number) {
  const rs = [];
  for (let i = from; i < to; i++) for (const check of CHECKS_OF[name]) rs.push({ check, status: 'up' as const, ts: T0 + i * INTERVAL_MS });
  const r = await f.ingest(a, rs, { seq });
  expect(r.statusCode, r.body).toBe(200);
}

const siteIncidents = async (f: F) => (await f.store.incidents.list({ kind: 'site-unreachable' })).map((i) => ({ site: i.site, startedAt: i.startedAt }));

describe('collector restart', () => {
  it('pages no site for the collector’s own downtime; a site that stays silent is paged after the grace; the gap is shown and stays unknown unless backfilled', async () => {
    const clock = new ManualClock(T0);
    let f = await start(clock);
    const agents = { a: await enroll(f, 'a'), b: await enroll(f, 'b'), c: await enroll(f, 'c') };
    // rounds 0..5 on time, each agent heartbeating, the collector sweeping
    for (let i = 0; i < 6; i++) {
      clock.set(T0 + i * INTERVAL_MS + 1000);
      for (const n of ['a', 'b', 'c'] as const) {
        await heartbeat(f, agents[n], n);
        await rounds(f, agents[n], n, i, i + 1, i + 1);
      }
      await f.engine.sweep();
    }
    const lastAlive = clock.now();
    await f.close(true);

    // down for 200 s, far past three heartbeats (45 s)
    clock.set(lastAlive + 200_000);
    const restart = clock.now();
    f = await start(clock);
    expect((await f.app.inject({ headers: AS_ADMIN, url: '/api/v1/agents' })).json().collectorGap).toEqual({ from: lastAlive, to: restart });
    expect(JSON.parse((await f.store.settings.get(`collector.gap.${lastAlive}`))!)).toEqual({ from: lastAlive, to: restart });
    for (const dt of [0, 1000, 5000, 30_000]) {
      clock.set(restart + dt);
      await f.engine.sweep();
    }
    await f.engine.idle();
    expect(await siteIncidents(f)).toEqual([]);
    expect((await f.store.agents.list()).map((x) => x.reachable)).toEqual([true, true, true]);
    expect((await f.store.checks.list()).map((c) => c.state)).toEqual(['up', 'up', 'up', 'up', 'up']); // b-1, c-1, fw-1, sw-1, sw-2: nobody went unknown yet

    // a comes back and backfills its spool (rounds 6..29, measured while the collector was down); c comes back having lost its spool
    clock.set(restart + 40_000);
    await heartbeat(f, agents.a, 'a');
    await rounds(f, agents.a, 'a', 6, 30, 100);
    await heartbeat(f, agents.c, 'c');
    await rounds(f, agents.c, 'c', 29, 30, 100);
    await f.engine.sweep();
    expect(await siteIncidents(f)).toEqual([]);

    // b stays silent: unreachable once its heartbeat-lost time has passed since the collector started, not before
    clock.set(restart + 45_000);
    await f.engine.sweep();
    expect(await siteIncidents(f)).toEqual([]);
    clock.set(restart + 46_000);
    await heartbeat(f, agents.a, 'a');
    await heartbeat(f, agents.c, 'c');
    await f.engine.sweep();
    await f.engine.idle();
    const lastSeenB = T0 + 5 * INTERVAL_MS + 1000;
    expect(await siteIncidents(f)).toEqual([{ site: 'site-b', startedAt: lastSeenB }]);
    expect((await f.store.agents.get(agents.b.agentId))!.reachable).toBe(false);

    // what the gap hid: a backfilled it (no unknown); c's hole and b's silence are unknown from their next due result
    const history = async (check: string) => (await f.store.checks.transitionsFor('acme', [check], 0, clock.now() + 1)).map((t) => [t.ts - T0, t.state]);
    for (const check of CHECKS_OF.a) expect(await history(check)).toEqual([[0, 'up']]);
    expect(await history('c-1')).toEqual([
      [0, 'up'],
      [6 * INTERVAL_MS, 'unknown'],
      [29 * INTERVAL_MS, 'up'],
    ]);
    expect(await history('b-1')).toEqual([
      [0, 'up'],
      [6 * INTERVAL_MS, 'unknown'],
    ]);
    // the network service (a's checks) is whole through the collector's downtime
    const sla = (await f.app.inject({ headers: AS_ADMIN, url: '/api/v1/sla/acme' })).json().services[0];
    expect(sla.unknownSeconds).toBe((T0 - Date.parse('2026-10-01T00:00:00Z')) / 1000); // only the time before the first result
  });

  it('a first start records no gap, and the last-alive time moves forward only', async () => {
    const clock = new ManualClock(T0);
    const f = await start(clock);
    expect((await f.app.inject({ headers: AS_ADMIN, url: '/api/v1/agents' })).json().collectorGap).toBeNull();
    expect(await f.store.settings.get('collector.lastAlive')).toBe(String(T0));
    clock.set(T0 + 10_000);
    await f.engine.sweep();
    expect(await f.store.settings.get('collector.lastAlive')).toBe(String(T0 + 10_000));
    await f.store.checks.markAlive(T0 + 5000);
    expect(await f.store.settings.get('collector.lastAlive')).toBe(String(T0 + 10_000));
  });
});
