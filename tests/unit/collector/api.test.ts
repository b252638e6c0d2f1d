import { afterEach, describe, expect, it } from 'vitest';
import { collectorFixture, AS_ADMIN } from './fixture.js';

let f: Awaited<ReturnType<typeof collectorFixture>>;
afterEach(async () => f?.close());

describe('collector API: enrollment, ingest, bad input', () => {
  it('stores a batch once: a replay of (agentId, seq) is acknowledged and not stored again', async () => {
    f = await collectorFixture();
    const a = await f.enroll('site-a');
    expect(a.token).toMatch(/^[0-9a-f]{64}$/); // 256-bit
    const first = await f.ingest(a, [{ check: 'fw-1', status: 'up' }], { seq: 7 });
    expect(first.json()).toEqual({ agentId: a.agentId, seq: 7, stored: true, accepted: 1 });
    const replay = await f.ingest(a, [{ check: 'fw-1', status: 'up' }], { seq: 7 });
    expect(replay.statusCode).toBe(200);
    expect(replay.json().stored).toBe(false);
    const n = await f.store.checks.countResults();
    expect(n).toBe(1);
    expect(await f.metrics.registry.getSingleMetricAsString('vigil_ingest_batches_total')).toMatch(/result="duplicate"} 1/);
  });

  it('rejects a malformed batch with 400, a code and every problem with its path', async () => {
    f = await collectorFixture();
    const a = await f.enroll('site-a');
    const res = await f.app.inject({
      method: 'POST',
      url: '/api/v1/ingest',
      headers: { authorization: `Bearer ${a.token}` },
      payload: { agentId: a.agentId, seq: 0, samples: 'nope' },
    });
    expect(res.statusCode).toBe(400);
    const body = res.json();
    expect(body.error.code).toBe('VIGIL_ERR_BODY_INVALID');
    const paths = body.error.problems.map((p: { path: string }) => p.path);
    expect(paths).toEqual(expect.arrayContaining(['/seq', '/samples']));
    expect(body.error.problems.some((p: { message: string }) => /sentAt/.test(p.message))).toBe(true);
  });

  it('answers 413 for an oversize body, 401 without or with a bad token, 403 for another agent id', async () => {
    f = await collectorFixture();
    const a = await f.enroll('site-a');
    const b = await f.enroll('site-b');
    const big = await f.app.inject({
      method: 'POST',
      url: '/api/v1/ingest',
      headers: { authorization: `Bearer ${a.token}`, 'content-type': 'application/json' },
      payload: JSON.stringify({ pad: 'x'.repeat(70 * 1024) }),
    });
    expect(big.statusCode).toBe(413);
    expect(big.json().error.code).toBe('VIGIL_ERR_BODY_TOO_LARGE');
    const none = await f.app.inject({ method: 'POST', url: '/api/v1/ingest', payload: { agentId: a.agentId, seq: 1, sentAt: 1, samples: [] } });
    expect(none.statusCode).toBe(401);
    expect(none.json().error.code).toBe('VIGIL_ERR_UNAUTHENTICATED');
    const bad = await f.ingest({ agentId: a.agentId, token: 'f'.repeat(64) }, []);
    expect(bad.statusCode).toBe(401);
    const foreign = await f.ingest(a, [{ check: 'fw-1', status: 'up' }], { agentId: b.agentId });
    expect(foreign.statusCode).toBe(403);
    expect(foreign.json().error.code).toBe('VIGIL_ERR_FORBIDDEN');
  });

  it('revoked enrollment tokens and agents are refused; admin routes need the admin token', async () => {
    f = await collectorFixture();
    const a = await f.enroll('site-a');
    expect((await f.app.inject({ method: 'DELETE', url: `/api/v1/admin/enrollment-tokens/${a.enrollmentId}`, headers: f.admin })).statusCode).toBe(200);
    const again = await f.app.inject({ method: 'POST', url: '/api/v1/enroll', payload: { token: a.enrollmentToken, hostname: 'x', agentVersion: 't' } });
    expect(again.json().error.code).toBe('VIGIL_ERR_TOKEN_REVOKED');
    expect((await f.ingest(a, [])).statusCode).toBe(200); // the collector caches the agent's token now
    expect((await f.app.inject({ method: 'DELETE', url: `/api/v1/admin/agents/${a.agentId}`, headers: f.admin })).statusCode).toBe(200);
    expect((await f.ingest(a, [])).json().error.code).toBe('VIGIL_ERR_TOKEN_REVOKED');
    const noAdmin = await f.app.inject({ method: 'GET', url: '/api/v1/admin/enrollment-tokens', headers: { authorization: 'Bearer wrong-token-000000000' } });
    expect(noAdmin.statusCode).toBe(401);
  });
});

describe('exclusions and recompute', () => {
  it('an exclusion added later recomputes a past period: its time leaves the measured time and the downtime', async () => {
    f = await collectorFixture({ state: { confirmDown: 1, confirmUp: 1 } });
    const a = await f.enroll('site-a');
    const t0 = Date.parse('2026-10-05T10:00:00Z');
    await f.ingest(
      a,
      ['fw-1', 'sw-1', 'sw-2'].map((check) => ({ check, status: 'up' as const, ts: Date.parse('2026-09-30T00:00:00Z') })),
    );
    await f.ingest(a, [
      { check: 'fw-1', status: 'down', ts: t0 },
      { check: 'sw-1', status: 'down', ts: t0 },
    ]);
    f.clock.set(t0 + 3600_000); // a result is refused when dated ahead of the collector's clock (limits.futureTolerance)
    await f.ingest(a, [
      { check: 'fw-1', status: 'up', ts: t0 + 3600_000 },
      { check: 'sw-1', status: 'up', ts: t0 + 3600_000 },
    ]);
    f.clock.set(Date.parse('2026-11-10T00:00:00Z'));
    const before = (await f.app.inject({ headers: AS_ADMIN, url: '/api/v1/sla/acme?period=2026-10' })).json().services[0];
    expect(before.downtimeSeconds).toBe(3600);
    const bad = await f.app.inject({
      method: 'POST',
      url: '/api/v1/admin/exclusions',
      headers: f.admin,
      payload: { clientId: 'acme', service: 'nope', start: '2026-10-05T10:00:00Z', end: '2026-10-05T09:00:00Z', reason: 'maintenance overrun', addedBy: 'me' },
    });
    expect(bad.statusCode).toBe(400);
    expect(
      bad
        .json()
        .error.problems.map((p: { path: string }) => p.path)
        .sort(),
    ).toEqual(['/end', '/service']);
    const ok = await f.app.inject({
      method: 'POST',
      url: '/api/v1/admin/exclusions',
      headers: f.admin,
      payload: {
        clientId: 'acme',
        service: 'network',
        start: '2026-10-05T10:00:00Z',
        end: '2026-10-05T10:30:00Z',
        reason: 'carrier fibre cut (vendor ticket 4711)',
        addedBy: 'j.doe',
      },
    });
    expect(ok.statusCode).toBe(201);
    const after = (await f.app.inject({ headers: AS_ADMIN, url: '/api/v1/sla/acme?period=2026-10' })).json().services[0];
    expect(after.downtimeSeconds).toBe(1800);
    expect(after.excludedSeconds).toBe(1800);
    expect(after.measuredSeconds).toBe(before.measuredSeconds - 1800);
    expect((await f.app.inject({ headers: AS_ADMIN, url: '/api/v1/exclusions/acme' })).json().exclusions[0]).toMatchObject({
      reason: 'carrier fibre cut (vendor ticket 4711)',
      addedBy: 'j.doe',
    });
  });
});

describe('/metrics', () => {
  it('shows a probe figure seen for the first time in the very next scrape', async () => {
    f = await collectorFixture({ state: { confirmDown: 1, confirmUp: 1 } });
    const a = await f.enroll('site-a');
    await f.ingest(a, [{ check: 'fw-1', status: 'up', metrics: { mos: 4.1 } }]);
    const first = (await f.app.inject({ headers: AS_ADMIN, url: '/metrics' })).body;
    expect(first).toMatch(/^vigil_probe_mos\{client="acme",site="hq",service="",check="fw-1",type="tcp"\} 4\.1$/m);
    expect(first).toMatch(/^vigil_check_up\{client="acme",site="hq",service="",check="fw-1",type="tcp"\} 1$/m);
    expect(first).toMatch(/^vigil_sla_target_ratio\{client="acme",service="network"\} 0\.999$/m);
  });
});
