import { afterEach, describe, expect, it } from 'vitest';
import { collectorFixture } from './fixture.js';

let f: Awaited<ReturnType<typeof collectorFixture>>;
afterEach(async () => f?.close());

type Agent = { agentId: string; token: string };
const result = (checkId: string, ts: number, metrics?: Record<string, number>) => ({
  kind: 'check',
  checkId,
  type: 'tcp',
  ts,
  status: 'up',
  durationMs: 1,
  ...(metrics ? { metrics } : {}),
});
const hostMetric = (ts: number, labels: Record<string, string>) => ({ kind: 'metric', name: 'host_disk_used_bytes', ts, value: 1, labels });

function post(a: Agent, seq: number, samples: unknown[]) {
  return f.app.inject({
    method: 'POST',
    url: '/api/v1/ingest',
    headers: { authorization: `Bearer ${a.token}` },
    payload: { agentId: a.agentId, seq, sentAt: f.clock.now(), samples },
  });
}
const heartbeat = (a: Agent, checks: string[]) => f.heartbeat(a, checks);
const refusedOf = (res: { json(): { refused?: Array<{ index: number; code: string }> } }) => (res.json().refused ?? []).map((r) => [r.index, r.code]);
const checksOf = async (agentId: string) =>
  (await f.store.checks.list(['acme']))
    .filter((c) => c.agentId === agentId)
    .map((c) => c.checkId)
    .sort();

describe('collector limits: checks and series per agent', () => {
  it('refuses a sample that would create a check beyond limits.checksPerAgent, per agent, also after a restart', async () => {
    f = await collectorFixture({ limits: { checksPerAgent: 3, seriesPerAgent: 100 } });
    const a = await f.enroll('site-a');
    const b = await f.enroll('site-b');
    const now = f.clock.now();
    const res = await post(
      a,
      1,
      ['c1', 'c2', 'c1', 'c3', 'c4', 'c5'].map((id) => result(id, now)),
    );
    expect(res.json()).toMatchObject({ stored: true, accepted: 4 });
    expect(refusedOf(res)).toEqual([
      [4, 'VIGIL_ERR_LIMIT'],
      [5, 'VIGIL_ERR_LIMIT'],
    ]);
    expect(res.json().refused[0].message).toMatch(/limits\.checksPerAgent/);
    expect(await f.store.checks.countResults()).toBe(4);
    expect(refusedOf(await post(a, 2, [result('c2', now + 1)]))).toEqual([]); // a known check is always accepted
    expect(
      (
        await post(
          b,
          1,
          ['b1', 'b2', 'b3'].map((id) => result(id, now)),
        )
      ).json().accepted,
    ).toBe(3); // b has its own budget

    await f.close(true);
    f = await collectorFixture({ limits: { checksPerAgent: 3, seriesPerAgent: 100 } }, undefined, { dir: f.dir, clock: f.clock });
    expect(refusedOf(await post(a, 3, [result('c4', now + 2), result('c3', now + 2)]))).toEqual([[0, 'VIGIL_ERR_LIMIT']]); // counted from the store
  });

  it('refuses a sample that would add series beyond limits.seriesPerAgent: checks, their metric keys, host metric label sets', async () => {
    f = await collectorFixture({ limits: { checksPerAgent: 5, seriesPerAgent: 5 } });
    const a = await f.enroll('site-a');
    const now = f.clock.now();
    const res = await post(a, 1, [
      result('c1', now, { a_ratio: 1, b_ratio: 2 }), // 3 series
      hostMetric(now, { mount: '/' }), // 4
      hostMetric(now, { mount: '/' }), // the same series
      hostMetric(now, { mount: '/var' }), // 5
      hostMetric(now, { mount: '/tmp' }), // 6: refused
      result('c1', now + 1, { c_ratio: 3 }), // a new metric key: refused
      result('c1', now + 2, { a_ratio: 4 }), // known: stored
      result('c2', now + 3), // a new check is a series too: refused
    ]);
    expect(res.json()).toMatchObject({ stored: true, accepted: 5 });
    expect(refusedOf(res)).toEqual([4, 5, 7].map((i) => [i, 'VIGIL_ERR_LIMIT']));
    expect(res.json().refused[0].message).toMatch(/limits\.seriesPerAgent/);
    expect((await f.store.checks.hostMetrics()).map((m) => m.labels.mount).sort()).toEqual(['/', '/var']);
  });

  it('gives the budget back when a batch is not stored (a replay with other content)', async () => {
    f = await collectorFixture({ limits: { checksPerAgent: 2, seriesPerAgent: 100 } });
    const a = await f.enroll('site-a');
    const now = f.clock.now();
    expect((await post(a, 1, [result('c1', now)])).json()).toMatchObject({ stored: true, accepted: 1 });
    expect((await post(a, 1, [result('c2', now)])).json()).toMatchObject({ stored: false, accepted: 0 });
    const next = await post(a, 2, [result('c3', now + 1)]);
    expect(next.json()).toMatchObject({ stored: true, accepted: 1 });
    expect(await checksOf(a.agentId)).toEqual(['c1', 'c3']);
  });

  it('registers a heartbeat catalogue only up to the check budget; the heartbeat itself succeeds', async () => {
    f = await collectorFixture({ limits: { checksPerAgent: 3, seriesPerAgent: 100 } });
    const a = await f.enroll('site-a');
    await post(a, 1, [result('c1', f.clock.now())]);
    const hb = await heartbeat(a, ['c1', 'h1', 'h2', 'h3', 'h4']);
    expect(hb.statusCode).toBe(200);
    expect(await checksOf(a.agentId)).toEqual(['c1', 'h1', 'h2']);
    expect(refusedOf(await post(a, 2, [result('h3', f.clock.now())]))).toEqual([[0, 'VIGIL_ERR_LIMIT']]);
  });

  it('counts refused samples by code on /metrics', async () => {
    f = await collectorFixture({ limits: { checksPerAgent: 1, seriesPerAgent: 100 } });
    const a = await f.enroll('site-a');
    await post(a, 1, [result('c1', f.clock.now()), result('c2', f.clock.now()), result('c3', 9e15)]);
    const text = await f.metrics.registry.getSingleMetricAsString('vigil_ingest_samples_refused_total');
    expect(text).toMatch(/code="VIGIL_ERR_LIMIT"} 1/);
    expect(text).toMatch(/code="VIGIL_ERR_SAMPLE_TIME"} 1/);
  });
});
