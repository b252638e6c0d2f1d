import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { NO_AGENT } from '../../../collector/src/store/types.js';
import type { Logger } from '../../../shared/logger.js';
import { collectorFixture, AS_ADMIN } from './fixture.js';

type F = Awaited<ReturnType<typeof collectorFixture>>;
let f: F;
afterEach(async () => f?.close());

const WEB = 'client: acme\ntimezone: UTC\nservices:\n  - { id: web, target: 99.9, members: [web-1] }\n';
const CONFIG = { state: { confirmDown: 1, confirmUp: 1 } };
const T0 = Date.parse('2026-10-05T10:00:00Z');
const refusedOf = (res: { json(): { refused?: Array<{ index: number; code: string }> } }) => (res.json().refused ?? []).map((r) => [r.index, r.code]);
const transitions = async (check = 'web-1') =>
  (await f.store.checks.transitionsFor('acme', [check], 0, Number.MAX_SAFE_INTEGER)).map((t) => [t.ts - T0, t.state]);
/** The current month's figures (unknown time excluded; everything before T0 is unknown). */
const sla = async () => (await f.app.inject({ headers: AS_ADMIN, url: '/api/v1/sla/acme' })).json().services[0];
const BEFORE_T0_S = (T0 - Date.parse('2026-10-01T00:00:00Z')) / 1000;

/** Two agents of client acme at two sites, the same check id configured on both. */
async function twoSites(logger?: Logger) {
  f = await collectorFixture(CONFIG, WEB, logger ? { logger } : {});
  return { a: await f.enroll('site-a', 'acme', 'hq'), b: await f.enroll('site-b', 'acme', 'branch') };
}

describe('check ids: one series per client, owned by the first agent that reports the id', () => {
  it("refuses another site's samples of the id with VIGIL_ERR_CONFLICT and stores the rest: the owner's state and SLA are untouched, nothing flaps", async () => {
    const { a, b } = await twoSites();
    for (let i = 0; i < 6; i++) {
      f.clock.set(T0 + i * 10_000 + 500);
      const mine = await f.ingest(a, [{ check: 'web-1', status: 'up', ts: T0 + i * 10_000 }]);
      expect(mine.json()).toMatchObject({ stored: true, accepted: 1 });
      const theirs = await f.ingest(b, [
        { check: 'web-1', status: 'down', ts: T0 + i * 10_000 + 100 },
        { check: 'b-1', status: 'up', ts: T0 + i * 10_000 + 100 },
      ]);
      expect(theirs.json()).toMatchObject({ stored: true, accepted: 1 });
      expect(refusedOf(theirs)).toEqual([[0, 'VIGIL_ERR_CONFLICT']]);
      if (i === 0) expect(theirs.json().refused[0].message).toContain(`belongs to agent ${a.agentId}`);
    }
    await f.engine.idle();
    expect(f.engine.ownerOf('acme', 'web-1')).toBe(a.agentId);
    expect(f.engine.ownerOf('acme', 'b-1')).toBe(b.agentId);
    expect(f.checkEvents.filter((e) => e.check === 'web-1').map((e) => [e.agentId, e.to])).toEqual([[a.agentId, 'up']]);
    expect(await transitions()).toEqual([[0, 'up']]);
    expect(await f.store.checks.get('acme', 'web-1')).toMatchObject({ agentId: a.agentId, siteId: 'hq', state: 'up', lastTs: T0 + 50_000 });
    expect(await f.store.incidents.list()).toEqual([]);
    f.clock.set(T0 + 60_000);
    expect(await sla()).toMatchObject({ availabilityPercent: 100, downtimeSeconds: 0, measuredSeconds: 60 });
    expect(await f.store.checks.countResults()).toBe(12); // a's six web-1, b's six b-1
    expect(await f.metrics.registry.getSingleMetricAsString('vigil_ingest_samples_refused_total')).toMatch(/code="VIGIL_ERR_CONFLICT"} 6/);
  });

  it('leaves the id out of the other agent’s heartbeat catalogue, with one warning per (agent, check)', async () => {
    const logs: Array<{ msg: string; agentId?: string; check?: string; owner?: string }> = [];
    const { a, b } = await twoSites(pino<never>({ level: 'warn' }, { write: (line: string) => void logs.push(JSON.parse(line)) }));
    expect((await f.heartbeat(a, ['web-1'])).statusCode).toBe(200);
    for (let i = 0; i < 3; i++) expect((await f.heartbeat(b, ['web-1', 'b-1'])).statusCode).toBe(200);
    await f.ingest(b, [{ check: 'web-1', status: 'down' }]);
    const row = await f.store.checks.get('acme', 'web-1');
    expect(row).toMatchObject({ agentId: a.agentId, siteId: 'hq', intervalMs: 30_000 });
    expect((await f.store.checks.ofAgent(b.agentId)).map((c) => c.checkId)).toEqual(['b-1']);
    const warnings = logs.filter((l) => l.check === 'web-1');
    expect(warnings.map((l) => [l.agentId, l.owner])).toEqual([[b.agentId, a.agentId]]);
    expect(warnings[0]!.msg).toMatch(/belongs to another agent/);
  });

  it('gives the id to exactly one of two agents whose first batches with it arrive at once', async () => {
    const { a, b } = await twoSites();
    const [ra, rb] = await Promise.all([f.ingest(a, [{ check: 'web-1', status: 'up' }]), f.ingest(b, [{ check: 'web-1', status: 'down' }])]);
    const refused = [refusedOf(ra), refusedOf(rb)];
    expect(refused).toContainEqual([]);
    expect(refused).toContainEqual([[0, 'VIGIL_ERR_CONFLICT']]);
    const winner = refusedOf(ra).length === 0 ? a : b;
    await f.engine.idle();
    expect((await f.store.checks.get('acme', 'web-1'))!.agentId).toBe(winner.agentId);
    expect(f.checkEvents.filter((e) => e.check === 'web-1')).toHaveLength(1);
  });

  it('frees the ids of a revoked agent: unknown from the revocation, then the other site takes the id and its own results alone set the state', async () => {
    const { a, b } = await twoSites();
    f.clock.set(T0 + 500);
    await f.ingest(a, [{ check: 'web-1', status: 'up', ts: T0 }]);
    expect(refusedOf(await f.ingest(b, [{ check: 'web-1', status: 'down', ts: T0 + 100 }]))).toEqual([[0, 'VIGIL_ERR_CONFLICT']]);

    f.clock.set(T0 + 30_000);
    const revoked = await f.app.inject({ method: 'DELETE', url: `/api/v1/admin/agents/${a.agentId}`, headers: f.admin });
    expect(revoked.json()).toEqual({ revoked: a.agentId, releasedChecks: ['web-1'] });
    expect(f.engine.ownerOf('acme', 'web-1')).toBeUndefined();
    expect(await f.store.checks.get('acme', 'web-1')).toMatchObject({ agentId: NO_AGENT, state: 'unknown', stateSince: T0 + 30_000 });
    expect(
      (await f.app.inject({ headers: AS_ADMIN, url: '/api/v1/checks' })).json().checks.find((c: { check: string }) => c.check === 'web-1').agent,
    ).toBeNull();

    f.clock.set(T0 + 40_000);
    const taken = await f.ingest(b, [
      { check: 'web-1', status: 'down', ts: T0 + 20_000 }, // measured before the release: stored, changes no state
      { check: 'web-1', status: 'up', ts: T0 + 40_000 },
    ]);
    expect(taken.json()).toMatchObject({ stored: true, accepted: 2 });
    expect(refusedOf(taken)).toEqual([]);
    await f.engine.idle();
    expect(f.engine.ownerOf('acme', 'web-1')).toBe(b.agentId);
    expect(await f.store.checks.get('acme', 'web-1')).toMatchObject({ agentId: b.agentId, siteId: 'branch', state: 'up', stateSince: T0 + 40_000 });
    expect(await transitions()).toEqual([
      [0, 'up'],
      [30_000, 'unknown'],
      [40_000, 'up'],
    ]);
    f.clock.set(T0 + 100_000);
    // up T0..+30 s and +40..+100 s; the 10 s nobody measured are unknown, nothing is down
    expect(await sla()).toMatchObject({ downtimeSeconds: 0, measuredSeconds: 90, unknownSeconds: BEFORE_T0_S + 10 });

    // the new owner keeps the id after a restart; a third agent is refused
    await f.close(true);
    f = await collectorFixture(CONFIG, WEB, { dir: f.dir, clock: f.clock });
    expect(f.engine.ownerOf('acme', 'web-1')).toBe(b.agentId);
    const c = await f.enroll('site-c', 'acme', 'lab');
    expect(refusedOf(await f.ingest(c, [{ check: 'web-1', status: 'down' }]))).toEqual([[0, 'VIGIL_ERR_CONFLICT']]);
  });

  it("never backfills the old owner's silence with the new owner's results: an unknown inferred before the revocation stays", async () => {
    const { a, b } = await twoSites();
    await f.heartbeat(a, ['web-1']); // 30 s interval
    f.clock.set(T0 + 500);
    await f.ingest(a, [{ check: 'web-1', status: 'up', ts: T0 }]);
    f.clock.set(T0 + 100_000);
    await f.engine.sweep(); // its heartbeats stopped: unknown one heartbeat interval (15 s) after it was last seen
    f.clock.set(T0 + 120_000);
    expect((await f.app.inject({ method: 'DELETE', url: `/api/v1/admin/agents/${a.agentId}`, headers: f.admin })).statusCode).toBe(200);
    f.clock.set(T0 + 130_000);
    expect(refusedOf(await f.ingest(b, [{ check: 'web-1', status: 'up', ts: T0 + 130_000 }]))).toEqual([]);
    await f.engine.idle();
    expect(await transitions()).toEqual([
      [0, 'up'],
      [15_500, 'unknown'],
      [130_000, 'up'],
    ]);
  });

  it('an admin releases an id from a live agent (DELETE /api/v1/admin/checks/:client/:check); the release holds over a restart', async () => {
    const { a, b } = await twoSites();
    f.clock.set(T0 + 500);
    await f.ingest(a, [{ check: 'web-1', status: 'up', ts: T0 }]);
    const url = '/api/v1/admin/checks/acme/web-1';
    expect((await f.app.inject({ method: 'DELETE', url })).statusCode).toBe(401);
    expect((await f.app.inject({ method: 'DELETE', url: '/api/v1/admin/checks/acme/nope', headers: f.admin })).json().error.code).toBe('VIGIL_ERR_NOT_FOUND');
    f.clock.set(T0 + 20_000);
    const released = await f.app.inject({ method: 'DELETE', url, headers: f.admin });
    expect(released.statusCode).toBe(200);
    expect(released.json()).toEqual({ client: 'acme', check: 'web-1', released: a.agentId });
    expect((await f.app.inject({ method: 'DELETE', url, headers: f.admin })).statusCode).toBe(404); // nobody owns it now

    await f.close(true);
    f = await collectorFixture(CONFIG, WEB, { dir: f.dir, clock: f.clock });
    expect(f.engine.ownerOf('acme', 'web-1')).toBeUndefined();
    f.clock.set(T0 + 30_000);
    expect(refusedOf(await f.ingest(b, [{ check: 'web-1', status: 'up', ts: T0 + 30_000 }]))).toEqual([]);
    expect(refusedOf(await f.ingest(a, [{ check: 'web-1', status: 'up', ts: T0 + 30_000 }]))).toEqual([[0, 'VIGIL_ERR_CONFLICT']]);
    expect(await transitions()).toEqual([
      [0, 'up'],
      [20_000, 'unknown'],
      [30_000, 'up'],
    ]);
  });
});
