import { afterEach, describe, expect, it } from 'vitest';
import { parseCollectorConfig } from '../../../collector/src/config.js';
import { collectorFixture } from './fixture.js';

let f: Awaited<ReturnType<typeof collectorFixture>> | undefined;
afterEach(async () => {
  await f?.close();
  f = undefined;
});

type Agent = { agentId: string; token: string };
function heartbeat(fx: NonNullable<typeof f>, a: Agent) {
  return fx.app.inject({
    method: 'POST',
    url: '/api/v1/heartbeat',
    headers: { authorization: `Bearer ${a.token}` },
    payload: { agentId: a.agentId, sentAt: fx.clock.now(), agentVersion: 't', uptimeSeconds: 1, queuedBatches: 0, intervalSeconds: 15, checks: [] },
  });
}

describe('collector limits: rate, advertising, enrollment ids', () => {
  it('answers 429 with Retry-After and VIGIL_ERR_RATE_LIMITED above the per-agent rate; the batch is accepted after the wait', async () => {
    const fx = (f = await collectorFixture({ limits: { batchesPerSecond: 0.5, batchBurst: 2 } }));
    const a = await fx.enroll('site-a');
    const b = await fx.enroll('site-b');
    expect((await fx.ingest(a, [{ check: 'fw-1', status: 'up' }], { seq: 1 })).statusCode).toBe(200);
    expect((await fx.ingest(a, [{ check: 'fw-1', status: 'up' }], { seq: 2 })).statusCode).toBe(200);
    const limited = await fx.ingest(a, [{ check: 'fw-1', status: 'up' }], { seq: 3 });
    expect(limited.statusCode).toBe(429);
    expect(limited.json().error.code).toBe('VIGIL_ERR_RATE_LIMITED');
    expect(limited.headers['retry-after']).toBe('2'); // one token at 0.5/s
    expect(await fx.store.checks.countResults()).toBe(2);
    expect((await fx.ingest(b, [{ check: 'sw-1', status: 'up' }], { seq: 1 })).statusCode).toBe(200); // b has its own bucket
    fx.clock.advance(1000);
    expect((await fx.ingest(a, [{ check: 'fw-1', status: 'up' }], { seq: 3 })).statusCode).toBe(429);
    fx.clock.advance(1000);
    const after = await fx.ingest(a, [{ check: 'fw-1', status: 'up' }], { seq: 3 });
    expect(after.statusCode).toBe(200);
    expect(after.json()).toMatchObject({ seq: 3, stored: true, accepted: 1 }); // the 429 consumed nothing
    expect(await fx.store.checks.countResults()).toBe(4);
  });

  it('advertises its limits in the enrollment answer and every heartbeat answer', async () => {
    const fx = (f = await collectorFixture({ limits: { futureTolerance: '30s', maxSampleAge: '3d', maxSamplesPerBatch: 1000, batchesPerSecond: 10 } }));
    const t = (
      await fx.app.inject({ method: 'POST', url: '/api/v1/admin/enrollment-tokens', headers: fx.admin, payload: { clientId: 'acme', siteId: 'hq' } })
    ).json();
    const enrolled = await fx.app.inject({ method: 'POST', url: '/api/v1/enroll', payload: { token: t.token, hostname: 'h', agentVersion: 't' } });
    expect(enrolled.statusCode).toBe(201);
    const limits = {
      maxBatchBytes: 64 * 1024,
      maxSamplesPerBatch: 1000,
      futureToleranceSeconds: 30,
      maxSampleAgeSeconds: 3 * 86400,
      batchesPerSecond: 10,
      batchBurst: 20,
      maxLabelsPerSample: 32,
      maxLabelValueLength: 256,
      maxMetricsPerSample: 64,
      checksPerAgent: 1000,
      seriesPerAgent: 10_000,
    };
    expect(enrolled.json().limits).toEqual(limits);
    const hb = await heartbeat(fx, { agentId: enrolled.json().agentId, token: enrolled.json().agentToken });
    expect(hb.statusCode).toBe(200);
    expect(hb.json()).toEqual({ serverTime: fx.clock.now(), limits });
  });

  it('enrolls a 300-character name as an id that ingest accepts, and a second one under the same name as another', async () => {
    const fx = (f = await collectorFixture());
    const longClient = `c${'x'.repeat(127)}`;
    const enroll = async (clientId: string, name: string) => {
      const t = (
        await fx.app.inject({ method: 'POST', url: '/api/v1/admin/enrollment-tokens', headers: fx.admin, payload: { clientId, siteId: 'hq' } })
      ).json();
      const r = await fx.app.inject({ method: 'POST', url: '/api/v1/enroll', payload: { token: t.token, hostname: 'host', agentVersion: 't', name } });
      expect(r.statusCode).toBe(201);
      return { agentId: r.json().agentId as string, token: r.json().agentToken as string };
    };
    const name = `Büro Server ${'n'.repeat(288)}`;
    const agents = [await enroll('acme', name), await enroll('acme', name), await enroll(longClient, name), await enroll(longClient, name)];
    expect(new Set(agents.map((a) => a.agentId)).size).toBe(4);
    expect(agents[0]!.agentId).toMatch(/^acme\.b-ro-server-n+$/);
    expect(agents[1]!.agentId).toMatch(/-2$/);
    expect(agents[3]!.agentId).toMatch(/-2$/);
    for (const [i, a] of agents.entries()) {
      expect(a.agentId).toMatch(/^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/);
      const res = await fx.ingest(a, [{ check: `chk-${i}`, status: 'up' }], { seq: 1 });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ agentId: a.agentId, stored: true, accepted: 1 });
    }
    const short = await enroll('acme', 'site-a');
    expect(short.agentId).toBe('acme.site-a'); // short names keep the ids they always had
  });

  it('has the documented defaults and refuses an inconsistent limits section with every problem', () => {
    expect(parseCollectorConfig({ dataDir: '/tmp/x' }, 'test').limits).toEqual({
      futureToleranceMs: 120_000,
      maxSampleAgeMs: 7 * 86_400_000,
      maxSamplesPerBatch: 5000,
      checksPerAgent: 1000,
      seriesPerAgent: 10_000,
      batchesPerSecond: 50,
      batchBurst: 100,
    });
    let problems: Array<{ path: string }> = [];
    try {
      parseCollectorConfig(
        { dataDir: '/tmp/x', limits: { maxSampleAge: '0s', checksPerAgent: 50, seriesPerAgent: 10, batchesPerSecond: 0, bogus: 1 } },
        'test',
      );
    } catch (e) {
      problems = (e as { problems: Array<{ path: string }> }).problems;
    }
    expect(problems.map((p) => p.path).sort()).toEqual(['/limits', '/limits/batchesPerSecond', '/limits/maxSampleAge', '/limits/seriesPerAgent']);
  });
});
