import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../shared/clock.js';
import type { Sample } from '../../shared/protocol/v1/batch.js';
import { settle } from './fault-table.js';
import { CHECKS, faultRig, INTERVAL_MS, T0, type Rig } from './rig.js';
import { AS_ADMIN } from '../unit/collector/fixture.js';

/**
 * What the collector bounds and orders, end to end: the real agent transport sending through the
 * fault proxy into the real collector; refusals come back as partial acceptance and are counted
 * by the agent, so the books close (fault-table.ts).
 */
const rigs: Rig[] = [];
afterEach(async () => {
  for (const r of rigs.splice(0)) await r.close();
});
const rig = async (o: Parameters<typeof faultRig>[0] = {}) => {
  const r = await faultRig(o);
  rigs.push(r);
  return r;
};
const check = (checkId: string, ts: number, extra: Partial<Sample> = {}): Sample =>
  ({ kind: 'check', checkId, type: 'tcp', ts, status: 'up', durationMs: 1, ...extra }) as Sample;
const DAY = 86_400_000;

/**
 * A site's rounds: the status of each check per round; round i at T0 + i × 10 s. The WAN is down
 * for the rounds in `outage`; the agent tries to send every round (within its backoff), the
 * collector sweeps twice a round. Ends with everything delivered; returns the end time.
 */
async function play(r: Rig, statuses: Array<'up' | 'down'>, outage?: [number, number], t0 = T0) {
  let inferred = 0;
  const down = (i: number) => outage !== undefined && i >= outage[0] && i < outage[1];
  for (let i = 0; i < statuses.length; i++) {
    const ts = t0 + i * INTERVAL_MS;
    if (outage && i === outage[0]) await r.proxy.down();
    if (outage && i === outage[1]) {
      inferred = (await r.f.store.checks.transitionsFor('acme', [...CHECKS], t0, ts)).filter((t) => t.state === 'unknown').length;
      await r.proxy.up();
    }
    r.clock.set(ts + 1000);
    r.round(ts, statuses[i]);
    if (!down(i)) await r.heartbeat();
    await r.agent.transport.flush();
    await r.f.engine.sweep();
    r.clock.set(ts + 6000);
    await r.f.engine.sweep();
  }
  return { end: t0 + statuses.length * INTERVAL_MS, inferred };
}

describe('fault suite: collector bounds and ordering', () => {
  it('future and ancient timestamps: refused by code, the rest stored; the check’s state keeps moving, the API keeps answering', async () => {
    const r = await rig();
    const now = T0 + 30 * DAY;
    r.clock.set(now);
    r.add(check('fw-1', now - 1000));
    for (const ts of [now + 10 * 60_000, now + 2 * DAY, now - 400 * DAY, 9e15]) r.add(check('fw-1', ts));
    r.agent.transport.seal();
    await r.drain();
    const refused = r.agent.transport.stats.refusedSamples;
    expect(refused).toBe(4);
    for (const k of [1, 2]) {
      r.clock.set(now + k * INTERVAL_MS);
      r.round(now + k * INTERVAL_MS, 'down', ['fw-1']);
      await r.drain();
    }
    expect(r.f.engine.stateOf('acme', 'fw-1')).toBe('down'); // a result from the future did not freeze it
    expect((await r.f.app.inject({ headers: AS_ADMIN, url: '/api/v1/incidents' })).statusCode).toBe(200);
    settle('future and ancient timestamps', r.account(), {
      explained: refused,
      counter: 'refusedSamples',
      detail: '+10 min, +2 days, −400 days and 9e15 refused with VIGIL_ERR_SAMPLE_TIME; later results still move the state',
    });
  });

  it('label and series limits: keys, counts and lengths held to their bounds, checks beyond limits.checksPerAgent refused, each by code', async () => {
    const r = await rig({ collector: { limits: { checksPerAgent: 5 } } });
    const now = r.clock.now();
    for (let c = 0; c < 8; c++) r.add(check(`c-${c}`, now - 1000));
    const labels = Object.fromEntries(Array.from({ length: 33 }, (_, i) => [`l${i}`, 'v']));
    r.add(check('c-0', now - 900, { labels }));
    r.add(check('c-0', now - 800, { labels: { service: 'x'.repeat(257) } }));
    r.add(check('c-0', now - 700, { labels: { 'bad-key': 'x' } }));
    r.agent.transport.seal();
    await r.drain();
    const refused = r.agent.transport.stats.refusedSamples;
    expect(refused).toBe(6);
    settle('label and series limits', r.account(), {
      explained: refused,
      counter: 'refusedSamples',
      detail: '3 check ids over checksPerAgent 5 (VIGIL_ERR_LIMIT), 33 labels, a 257-character value, a bad key (VIGIL_ERR_SAMPLE_INVALID)',
    });
  });

  it('late results after an inferred unknown: a WAN outage backfilled gives the SLA and transitions of the same results on time', async () => {
    const statuses = Array.from({ length: 60 }, (_, i) => (i >= 20 && i < 24 ? 'down' : 'up') as 'up' | 'down');
    const month = Date.parse('2026-10-01T00:00:00Z'); // the SLA report covers the month so far: start with it
    const onTime = await rig({ clock: new ManualClock(month) });
    const late = await rig({ clock: new ManualClock(month) });
    const { end: endOnTime } = await play(onTime, statuses, undefined, month);
    const { end: endLate, inferred } = await play(late, statuses, [12, 40], month);
    expect(inferred).toBeGreaterThan(0); // the sweep had put the silent checks to unknown before the backfill
    for (const r of [onTime, late]) {
      r.clock.set(endOnTime + 60_000);
      await r.drain();
      await r.heartbeat();
      await r.f.engine.sweep();
    }
    expect(endLate).toBe(endOnTime);
    const outcome = async (r: Rig) => {
      const sla = (await r.f.app.inject({ headers: AS_ADMIN, url: '/api/v1/sla/acme' })).json().services[0];
      const transitions = (await r.f.store.checks.transitionsFor('acme', [...CHECKS], 0, endOnTime)).map((t) => [t.check, t.ts, t.state]);
      return { sla, transitions };
    };
    const a = await outcome(onTime);
    const b = await outcome(late);
    expect(b.transitions).toEqual(a.transitions);
    expect(b.sla).toEqual(a.sla);
    expect(a.sla.downtimeSeconds).toBeGreaterThan(0);
    settle('late results after inferred unknown', late.account(), {
      detail: `28 rounds behind a WAN outage, delivered after the sweep inferred ${inferred} unknowns: ${b.sla.downtimeSeconds} s down, ${b.sla.unknownSeconds} s unknown, ${b.transitions.length} transitions, as on time`,
    });
  });

  it('collector restart: down 10 minutes, no site is paged, the agents’ backlog fills the gap', async () => {
    const r = await rig();
    const statuses = Array.from({ length: 6 }, () => 'up' as const);
    await play(r, statuses);
    await r.restartCollector(async () => {
      for (let i = 6; i < 66; i++) {
        r.clock.set(T0 + i * INTERVAL_MS + 1000);
        r.round(T0 + i * INTERVAL_MS);
        await r.agent.transport.flush(); // the collector is gone: refused, backed off
      }
    });
    r.clock.set(T0 + 66 * INTERVAL_MS);
    await r.f.engine.sweep();
    expect(await r.heartbeat()).toBe(true);
    await r.drain();
    for (let k = 0; k < 4; k++) {
      // the site goes on as usual: a heartbeat every 15 s, the collector sweeping
      r.clock.advance(15_000);
      expect(await r.heartbeat()).toBe(true);
      await r.f.engine.sweep();
    }
    const pages = await r.f.store.incidents.list({ kind: 'site-unreachable' });
    expect(pages.map((i) => [i.kind, i.startedAt - T0, i.resolvedAt && i.resolvedAt - T0, i.status])).toEqual([]);
    expect((await r.f.store.incidents.list()).map((i) => [i.kind, i.service, i.startedAt - T0, i.resolvedAt && i.resolvedAt - T0])).toEqual([]);
    settle('collector restart without pages', r.account(), {
      detail: 'collector down 10 min under load: 0 site-unreachable incidents, 0 notifications; backlog stored',
    });
  });

  it('duplicate check ids: the same id from another site of the client is refused with VIGIL_ERR_CONFLICT; the owner’s series does not flap', async () => {
    const r = await rig();
    const other = await r.otherAgent('site-b', 'branch');
    for (let i = 0; i < 6; i++) {
      const ts = T0 + i * INTERVAL_MS;
      r.clock.set(ts + 500);
      r.round(ts, 'up', ['fw-1']);
      other.add(check('fw-1', ts + 100, { status: 'down' }));
      other.add(check('b-1', ts + 100));
      await r.drain();
      await r.drain(100, other.transport);
    }
    const refused = other.transport.stats.refusedSamples;
    expect(refused).toBe(6);
    expect((await r.f.store.checks.transitionsFor('acme', ['fw-1'], 0, r.clock.now() + 1)).map((t) => t.state)).toEqual(['up']);
    expect(await r.f.store.incidents.list()).toEqual([]);
    settle('duplicate check ids', r.account(), {
      explained: refused,
      counter: 'refusedSamples',
      detail: 'fw-1 at two sites: 6 of the second site refused, its b-1 stored; 1 transition, no incident',
    });
  });
});
