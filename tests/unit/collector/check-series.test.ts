import { afterEach, describe, expect, it } from 'vitest';
import { parseExposition, type Series } from './exposition.js';
import { collectorFixture, AS_ADMIN } from './fixture.js';

let f: Awaited<ReturnType<typeof collectorFixture>>;
afterEach(async () => f?.close());

/** Every family with a series per check (the fixture's results carry the probe figure connect_seconds). */
const PER_CHECK = ['vigil_check_up', 'vigil_check_state', 'vigil_check_duration_seconds', 'vigil_probe_connect_seconds'];
const N = 50;
const IDS = Array.from({ length: N }, (_, i) => `c${String(i).padStart(2, '0')}`);

const scrape = async () => parseExposition((await f.app.inject({ headers: AS_ADMIN, url: '/metrics' })).body);
/** The check ids each per-check family has series of (sorted, once each). */
const checksBy = (series: Series[]) =>
  Object.fromEntries(PER_CHECK.map((name) => [name, [...new Set(series.filter((s) => s.name === name).map((s) => s.labels.check!))].sort()]));
const every = (ids: readonly string[]) => Object.fromEntries(PER_CHECK.map((name) => [name, [...ids].sort()]));
const without = (...gone: string[]) => IDS.filter((id) => !gone.includes(id));
const release = (check: string) => f.app.inject({ method: 'DELETE', url: `/api/v1/admin/checks/acme/${check}`, headers: f.admin });

describe('/metrics: series of checks that no longer exist', () => {
  it(`drops every series of a check an admin releases and of checks the heartbeat no longer lists (${N} checks); the others stay`, async () => {
    f = await collectorFixture({ state: { confirmDown: 1, confirmUp: 1 } });
    const a = await f.enroll('site-a');
    expect((await f.heartbeat(a, IDS)).statusCode).toBe(200);
    f.clock.advance(1000);
    const results = IDS.map((check) => ({ check, status: 'up' as const, ...(check === 'c49' ? { metrics: { only_c49_ratio: 0.5 } } : {}) }));
    expect((await f.ingest(a, results)).json().accepted).toBe(N);
    let { series } = await scrape();
    expect(checksBy(series)).toEqual(every(IDS));
    expect(series.filter((s) => s.name === 'vigil_check_state' && s.labels.check === 'c00').map((s) => s.labels.state)).toEqual(['up', 'down', 'unknown']);
    expect(series.some((s) => s.name === 'vigil_probe_only_c49_ratio')).toBe(true);

    // (a) an admin releases c00: its series go, with every label set (all three states)
    expect((await release('c00')).statusCode).toBe(200);
    ({ series } = await scrape());
    expect(checksBy(series)).toEqual(every(without('c00')));

    // (b) the agent's heartbeat stops listing c01 and c49: their series go, and the family only c49 had
    f.clock.advance(1000);
    const sentAt = f.clock.now();
    expect((await f.heartbeat(a, without('c00', 'c01', 'c49'))).statusCode).toBe(200);
    const body = (await f.app.inject({ headers: AS_ADMIN, url: '/metrics' })).body;
    expect(checksBy(parseExposition(body).series)).toEqual(every(without('c00', 'c01', 'c49')));
    expect(body).not.toMatch(/vigil_probe_only_c49_ratio/);

    // a late result of c01 from before that heartbeat is backlog: still gone; one measured after it brings c01 back
    f.clock.advance(1000);
    expect((await f.ingest(a, [{ check: 'c01', status: 'up', ts: sentAt - 500 }])).json().accepted).toBe(1);
    expect(checksBy((await scrape()).series)).toEqual(every(without('c00', 'c01', 'c49')));
    expect((await f.ingest(a, [{ check: 'c01', status: 'up', ts: sentAt + 500 }])).json().accepted).toBe(1);
    expect(checksBy((await scrape()).series)).toEqual(every(without('c00', 'c49')));
  });

  it('leaves the state engine as it was: a released check is known, unknown and free; its next owner brings its series back under its own site', async () => {
    f = await collectorFixture({ state: { confirmDown: 1, confirmUp: 1 } });
    const a = await f.enroll('site-a', 'acme', 'hq');
    const b = await f.enroll('site-b', 'acme', 'branch');
    await f.ingest(a, [
      { check: 'fw-1', status: 'down' },
      { check: 'sw-1', status: 'up' },
    ]);
    expect((await release('fw-1')).statusCode).toBe(200);
    const up = (series: Series[]) => series.filter((s) => s.name === 'vigil_check_up').map((s) => `${s.labels.check}@${s.labels.site}=${s.value}`);
    expect(up((await scrape()).series)).toEqual(['sw-1@hq=1']);
    const listed = (await f.app.inject({ headers: AS_ADMIN, url: '/api/v1/checks' })).json().checks as Array<{
      check: string;
      agent: string | null;
      state: string;
    }>;
    expect(listed.find((c) => c.check === 'fw-1')).toMatchObject({ agent: null, state: 'unknown' });
    expect(f.engine.stateOf('acme', 'fw-1')).toBe('unknown');

    f.clock.advance(1000);
    expect((await f.ingest(b, [{ check: 'fw-1', status: 'up' }])).json().accepted).toBe(1);
    expect(up((await scrape()).series).sort()).toEqual(['fw-1@branch=1', 'sw-1@hq=1']);
    expect(f.engine.ownerOf('acme', 'fw-1')).toBe(b.agentId);
  });

  it('a revoked agent: its checks, agent, spool, send and host series go; another agent’s stay', async () => {
    f = await collectorFixture();
    const a = await f.enroll('site-a', 'acme', 'hq');
    const b = await f.enroll('site-b', 'acme', 'branch');
    const spool = { batches: 0, bytes: 0, oldestAgeSeconds: 0, droppedBatches: 0, droppedSamples: 0 };
    const send = { refusedSamples: 1, tooLargeSamples: 0, rejectedSamples: 0 };
    for (const [agent, check, host] of [
      [a, 'fw-1', 'host_cpu_usage_ratio'],
      [b, 'sw-1', 'host_only_b_ratio'],
    ] as const) {
      expect((await f.heartbeat(agent, [check], { spool, send })).statusCode).toBe(200);
      await f.ingest(agent, [{ check, status: 'up' }]);
      const metric = { agentId: agent.agentId, seq: 100, sentAt: f.clock.now(), samples: [{ kind: 'metric', name: host, ts: f.clock.now(), value: 0.5 }] };
      const r = await f.app.inject({ method: 'POST', url: '/api/v1/ingest', headers: { authorization: `Bearer ${agent.token}` }, payload: metric });
      expect(r.json().accepted).toBe(1);
    }
    const ofAgent = (series: Series[], agent: string, check: string) =>
      series
        .filter((s) => s.labels.agent === agent || s.labels.check === check)
        .map((s) => s.name)
        .filter((n, i, all) => all.indexOf(n) === i)
        .sort();
    let { series } = await scrape();
    const families = ofAgent(series, b.agentId, 'sw-1');
    expect(families).toEqual(
      expect.arrayContaining([
        'vigil_agent_up',
        'vigil_agent_last_seen_timestamp_seconds',
        'vigil_agent_spool_batches',
        'vigil_agent_send_refused_samples_total',
        'vigil_host_only_b_ratio',
        ...PER_CHECK,
      ]),
    );
    expect(ofAgent(series, a.agentId, 'fw-1')).toEqual(families.map((n) => n.replace('only_b', 'cpu_usage')).sort());

    expect((await f.app.inject({ method: 'DELETE', url: `/api/v1/admin/agents/${b.agentId}`, headers: f.admin })).statusCode).toBe(200);
    const body = (await f.app.inject({ headers: AS_ADMIN, url: '/metrics' })).body;
    ({ series } = parseExposition(body));
    expect(ofAgent(series, b.agentId, 'sw-1')).toEqual([]);
    expect(body).not.toMatch(/vigil_host_only_b_ratio/);
    expect(ofAgent(series, a.agentId, 'fw-1')).toEqual(families.map((n) => n.replace('only_b', 'cpu_usage')).sort());
  });

  it('a catalogue without a check hides it; an empty catalogue hides nothing (a sender that lists no checks)', async () => {
    f = await collectorFixture();
    const a = await f.enroll('site-a');
    await f.heartbeat(a, ['fw-1', 'sw-1']);
    f.clock.advance(1000);
    await f.ingest(a, [
      { check: 'fw-1', status: 'up' },
      { check: 'sw-1', status: 'up' },
    ]);
    f.clock.advance(1000);
    await f.heartbeat(a, ['fw-1']);
    expect(checksBy((await scrape()).series)).toEqual(every(['fw-1']));
    f.clock.advance(1000);
    await f.heartbeat(a, []);
    expect(checksBy((await scrape()).series)).toEqual(every(['fw-1', 'sw-1']));
  });
});
