import { afterEach, describe, expect, it } from 'vitest';
import { collectorFixture, AS_ADMIN } from './fixture.js';

let f: Awaited<ReturnType<typeof collectorFixture>>;
afterEach(async () => f?.close());

type Agent = { agentId: string; token: string };
const DAY = 86_400_000;

/** A check result as the agent builds it, with overrides. */
const result = (ts: number, over: Record<string, unknown> = {}) => ({ kind: 'check', checkId: 'fw-1', type: 'tcp', ts, status: 'up', durationMs: 1, ...over });
const hostMetric = (ts: number, over: Record<string, unknown> = {}) => ({ kind: 'metric', name: 'host_cpu_usage_ratio', ts, value: 0.5, ...over });

/** POSTs a batch of arbitrary samples (or a raw JSON body) as the agent. */
function post(a: Agent, seq: number, samples: unknown[] | string) {
  const body = typeof samples === 'string' ? `{"agentId":${JSON.stringify(a.agentId)},"seq":${seq},"sentAt":${f.clock.now()},"samples":${samples}}` : undefined;
  return f.app.inject({
    method: 'POST',
    url: '/api/v1/ingest',
    headers: { authorization: `Bearer ${a.token}`, 'content-type': 'application/json' },
    payload: body ?? { agentId: a.agentId, seq, sentAt: f.clock.now(), samples },
  });
}
const refusedOf = (res: { json(): { refused?: Array<{ index: number; code: string }> } }) => (res.json().refused ?? []).map((r) => [r.index, r.code]);

describe('collector limits: timestamps', () => {
  it('refuses samples dated beyond the future tolerance or the maximum age with VIGIL_ERR_SAMPLE_TIME and stores the rest', async () => {
    f = await collectorFixture();
    const a = await f.enroll('site-a');
    const now = f.clock.now();
    const res = await post(a, 1, [
      result(now),
      result(now + 10 * 60_000),
      result(now + 2 * DAY),
      result(9e15),
      result(now - 400 * DAY),
      result(now + 60_000, { checkId: 'sw-1' }), // inside the 2 min tolerance
      result(now - 6 * DAY, { checkId: 'sw-2' }), // inside the 7 d maximum age
      hostMetric(now + 10 * 60_000),
      result(now + 0.5),
    ]);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ agentId: a.agentId, seq: 1, stored: true, accepted: 3 });
    expect(refusedOf(res)).toEqual([
      [1, 'VIGIL_ERR_SAMPLE_TIME'],
      [2, 'VIGIL_ERR_SAMPLE_TIME'],
      [3, 'VIGIL_ERR_SAMPLE_TIME'],
      [4, 'VIGIL_ERR_SAMPLE_TIME'],
      [7, 'VIGIL_ERR_SAMPLE_TIME'],
      [8, 'VIGIL_ERR_SAMPLE_INVALID'], // not whole milliseconds
    ]);
    expect(res.json().refused[0].message).toMatch(/10 min ahead.*limits\.futureTolerance/);
    expect(res.json().refused[3].message).toMatch(/limits\.maxSampleAge/);
    expect(await f.store.checks.countResults()).toBe(3);
    expect(await f.store.checks.hostMetrics()).toEqual([]);
  });

  it('follows the configured window', async () => {
    f = await collectorFixture({ limits: { futureTolerance: '10s', maxSampleAge: '1h' } });
    const a = await f.enroll('site-a');
    const now = f.clock.now();
    const res = await post(a, 1, [result(now + 9_000), result(now + 11_000), result(now - 3_599_000), result(now - 3_601_000)]);
    expect(refusedOf(res)).toEqual([
      [1, 'VIGIL_ERR_SAMPLE_TIME'],
      [3, 'VIGIL_ERR_SAMPLE_TIME'],
    ]);
  });

  it('a timestamp of 9e15 is refused and GET /api/v1/incidents keeps answering', async () => {
    f = await collectorFixture({ state: { confirmDown: 1, confirmUp: 1 } });
    const a = await f.enroll('site-a');
    const far = await post(a, 1, [result(9e15, { checkId: 'fw-1', status: 'down' }), result(9e15, { checkId: 'sw-1', status: 'down' })]);
    expect(refusedOf(far)).toEqual([
      [0, 'VIGIL_ERR_SAMPLE_TIME'],
      [1, 'VIGIL_ERR_SAMPLE_TIME'],
    ]);
    const now = f.clock.now();
    await post(a, 2, [result(now, { checkId: 'fw-1', status: 'down' }), result(now, { checkId: 'sw-1', status: 'down' })]);
    const list = await f.app.inject({ headers: AS_ADMIN, url: '/api/v1/incidents' });
    expect(list.statusCode).toBe(200);
    expect(list.json().incidents).toHaveLength(1);
  });

  it('a result from the future does not freeze the check: later real results still move its state', async () => {
    f = await collectorFixture(); // confirmDown 2, confirmUp 1
    const a = await f.enroll('site-a');
    const t0 = f.clock.now();
    await post(a, 1, [result(t0)]);
    expect(f.engine.stateOf('acme', 'fw-1')).toBe('up');
    expect(refusedOf(await post(a, 2, [result(t0 + 10 * 60_000, { status: 'down' })]))).toEqual([[0, 'VIGIL_ERR_SAMPLE_TIME']]);
    f.clock.advance(1000);
    await post(a, 3, [result(t0 + 1000, { status: 'down' })]);
    f.clock.advance(1000);
    await post(a, 4, [result(t0 + 2000, { status: 'down' })]);
    expect(f.engine.stateOf('acme', 'fw-1')).toBe('down');
    expect(f.checkEvents.map((e) => [e.check, e.to, e.ts])).toContainEqual(['fw-1', 'down', t0 + 1000]);
  });
});

describe('collector limits: keys, sizes, partial acceptance', () => {
  it('holds label keys, label values, metric keys and counts to their bounds, each refused sample with its index and a code', async () => {
    f = await collectorFixture();
    const a = await f.enroll('site-a');
    const now = f.clock.now();
    const labels = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`l${i}`, 'v']));
    const metrics = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`m${i}_ratio`, i]));
    const samples = [
      result(now, { labels: labels(32), metrics: metrics(64) }), // 0: at every bound: stored
      result(now, { labels: { 'bad-key': 'x' } }),
      result(now, { labels: { service: 'x'.repeat(257) } }),
      result(now, { labels: { service: { nested: true } } }),
      result(now, { labels: labels(33) }),
      result(now, { metrics: { Bad_Key: 1 } }),
      result(now, { metrics: metrics(65) }),
      result(now, { checkId: 'has space' }),
      hostMetric(now, { name: 'host-cpu' }),
      hostMetric(now, { labels: { mount: 7 } }),
      'not a sample',
      { kind: 'log', ts: now },
      hostMetric(now, { labels: { mount: '/' } }), // 12: stored
    ];
    const res = await post(a, 1, samples);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ stored: true, accepted: 2 });
    expect(refusedOf(res)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11].map((i) => [i, 'VIGIL_ERR_SAMPLE_INVALID']));
    const messages = res.json().refused.map((r: { message: string }) => r.message);
    expect(messages[0]).toMatch(/\/labels/);
    expect(messages[5]).toMatch(/\/metrics/);
    expect(messages[6]).toMatch(/\/checkId/);
    expect(await f.store.checks.countResults()).toBe(1);
    expect(Object.keys((await f.store.checks.get('acme', 'fw-1'))!.labels)).toHaveLength(32);
    expect((await f.store.checks.hostMetrics()).map((m) => m.labels)).toEqual([{ mount: '/' }]);
  });

  it('refuses non-finite numbers (1e400 parses to Infinity) in a sample alone', async () => {
    f = await collectorFixture();
    const a = await f.enroll('site-a');
    const now = f.clock.now();
    const ok = JSON.stringify(result(now));
    const res = await post(
      a,
      1,
      `[${ok},${ok.replace('"durationMs":1', '"durationMs":1e400')},${ok.replace('}', ',"metrics":{"rtt_seconds":-1e400}}')},{"kind":"metric","name":"host_x","ts":${now},"value":1e400}]`,
    );
    expect(res.statusCode).toBe(200);
    expect(refusedOf(res)).toEqual([1, 2, 3].map((i) => [i, 'VIGIL_ERR_SAMPLE_INVALID']));
    expect(await f.store.checks.countResults()).toBe(1);
  });

  it('stores exactly the valid samples of a partly bad batch; its replay stores nothing more; an all-refused batch still consumes its seq', async () => {
    f = await collectorFixture();
    const a = await f.enroll('site-a');
    const now = f.clock.now();
    const batch = [result(now), result(now + DAY), result(now, { checkId: 'sw-1' }), result(now, { labels: { 'x-y': 'z' } }), hostMetric(now)];
    const first = await post(a, 1, batch);
    expect(first.json()).toMatchObject({ stored: true, accepted: 3 });
    expect(refusedOf(first)).toEqual([
      [1, 'VIGIL_ERR_SAMPLE_TIME'],
      [3, 'VIGIL_ERR_SAMPLE_INVALID'],
    ]);
    expect(await f.store.checks.countResults()).toBe(2);
    const replay = await post(a, 1, batch);
    expect(replay.statusCode).toBe(200);
    expect(replay.json()).toMatchObject({ stored: false, accepted: 0 });
    expect(await f.store.checks.countResults()).toBe(2);

    const allBad = await post(a, 2, [result(9e15), result(now, { status: 'sideways' })]);
    expect(allBad.statusCode).toBe(200);
    expect(allBad.json()).toMatchObject({ stored: true, accepted: 0 });
    expect(refusedOf(allBad).map(([i]) => i)).toEqual([0, 1]);
    expect((await post(a, 2, [result(now)])).json()).toMatchObject({ stored: false, accepted: 0 }); // seq 2 is taken
    expect(await f.store.checks.countResults()).toBe(2);
  });

  it('still validates the envelope as a whole: 400 with every problem and its path, and 413 over limits.maxSamplesPerBatch', async () => {
    f = await collectorFixture({ limits: { maxSamplesPerBatch: 3 } });
    const a = await f.enroll('site-a');
    const bad = await f.app.inject({
      method: 'POST',
      url: '/api/v1/ingest',
      headers: { authorization: `Bearer ${a.token}` },
      payload: { agentId: a.agentId, seq: 2 ** 53, sentAt: 1.5, samples: Array.from({ length: 5001 }, () => 0), extra: 1 },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.code).toBe('VIGIL_ERR_BODY_INVALID');
    expect(bad.json().error.problems.map((p: { path: string }) => p.path)).toEqual(expect.arrayContaining(['/seq', '/sentAt', '/samples', '/']));
    const now = f.clock.now();
    const many = await post(a, 1, [result(now), result(now), result(now), result(now)]);
    expect(many.statusCode).toBe(413);
    expect(many.json().error.message).toMatch(/limits\.maxSamplesPerBatch/);
    expect((await post(a, 1, [result(now), result(now), result(now)])).json()).toMatchObject({ stored: true, accepted: 3 }); // seq 1 was not consumed
  });
});
