import { afterEach, describe, expect, it } from 'vitest';
import { collectorFixture } from './fixture.js';

let f: Awaited<ReturnType<typeof collectorFixture>>;
afterEach(async () => f?.close());

describe('state machine', () => {
  it('confirms down after N results, dating the transition from the first failing result', async () => {
    f = await collectorFixture();
    const a = await f.enroll('site-a');
    const t0 = f.clock.now();
    await f.ingest(a, [{ check: 'fw-1', status: 'up', ts: t0 }]);
    await f.ingest(a, [{ check: 'fw-1', status: 'down', ts: t0 + 10_000 }]);
    expect((await f.store.checks.get('acme', 'fw-1'))!.state).toBe('up'); // 1 of 2
    f.clock.set(t0 + 21_000);
    await f.ingest(a, [{ check: 'fw-1', status: 'down', ts: t0 + 20_000 }]);
    const down = f.checkEvents.find((e) => e.to === 'down')!;
    expect(down).toMatchObject({ check: 'fw-1', from: 'up', ts: t0 + 10_000, detectedAt: t0 + 21_000 });
    await f.ingest(a, [
      { check: 'fw-1', status: 'down', ts: t0 + 30_000 },
      { check: 'fw-1', status: 'up', ts: t0 + 40_000 },
    ]);
    expect(f.checkEvents.map((e) => e.to)).toEqual(['up', 'down', 'up']);
  });

  it('turns quorum into service transitions: down when 2 of 3 members are down', async () => {
    f = await collectorFixture({ state: { confirmDown: 1, confirmUp: 1 } });
    const a = await f.enroll('site-a');
    const t0 = f.clock.now();
    await f.ingest(
      a,
      ['fw-1', 'sw-1', 'sw-2'].map((check) => ({ check, status: 'up' as const, ts: t0 })),
    );
    await f.ingest(a, [{ check: 'fw-1', status: 'down', ts: t0 + 1000 }]);
    expect(f.serviceEvents.filter((e) => e.to === 'down')).toHaveLength(0);
    await f.ingest(a, [{ check: 'sw-2', status: 'down', ts: t0 + 2000 }]);
    const down = f.serviceEvents.find((e) => e.to === 'down')!;
    expect(down).toMatchObject({ client: 'acme', service: 'network', ts: t0 + 2000 });
    expect(down.membersDown.sort()).toEqual(['fw-1', 'sw-2']);
    const incidents = await f.store.incidents.list();
    expect(incidents).toHaveLength(1);
    expect(incidents[0]!.startedAt).toBe(t0 + 2000);
  });

  it('goes unknown when results stop (stale) and emits one unreachable event per lost agent', async () => {
    f = await collectorFixture({ state: { confirmDown: 1, confirmUp: 1, staleAfterIntervals: 3, heartbeatLostAfter: '60s' } });
    const a = await f.enroll('site-a');
    const lost: string[] = [];
    const t0 = f.clock.now();
    await f.app.inject({
      method: 'POST',
      url: '/api/v1/heartbeat',
      headers: { authorization: `Bearer ${a.token}` },
      payload: {
        agentId: a.agentId,
        sentAt: t0,
        agentVersion: 't',
        uptimeSeconds: 1,
        queuedBatches: 0,
        intervalSeconds: 15,
        checks: ['fw-1', 'sw-1'].map((id) => ({ id, type: 'tcp', intervalSeconds: 10, timeoutSeconds: 1 })),
      },
    });
    await f.ingest(a, [
      { check: 'fw-1', status: 'up', ts: t0 },
      { check: 'sw-1', status: 'up', ts: t0 },
    ]);
    f.engine['listeners'].push({ onAgentReachability: (e) => void lost.push(`${e.agentId}:${e.reachable}`) });
    f.clock.set(t0 + 31_000);
    await f.engine.sweep();
    expect((await f.store.checks.get('acme', 'fw-1'))!.state).toBe('unknown');
    expect(f.checkEvents.filter((e) => e.to === 'unknown').map((e) => e.ts)).toEqual([t0 + 10_000, t0 + 10_000]);
    f.clock.set(t0 + 61_000);
    await f.engine.sweep();
    await f.engine.sweep();
    expect(lost).toEqual([`${a.agentId}:false`]);
  });
});

describe('SLA thresholds in the state machine', () => {
  it('a reachable VoIP path with MOS below mosBelow counts as down for the service', async () => {
    f = await collectorFixture(
      { state: { confirmDown: 1, confirmUp: 1 } },
      'client: acme\ntimezone: UTC\nservices:\n  - { id: voip, target: 99.9, members: [sbc-1], thresholds: { mosBelow: 3.5 } }\n',
    );
    const a = await f.enroll('site-a');
    const t0 = f.clock.now();
    await f.ingest(a, [{ check: 'sbc-1', status: 'up', ts: t0, metrics: { mos: 4.2 } }]);
    await f.ingest(a, [{ check: 'sbc-1', status: 'up', ts: t0 + 10_000, metrics: { mos: 3.1 } }]);
    expect((await f.store.checks.get('acme', 'sbc-1'))!.state).toBe('down');
    expect(f.serviceEvents.map((e) => e.to)).toEqual(['up', 'down']); // unknown → up at the first result
    await f.ingest(a, [{ check: 'sbc-1', status: 'up', ts: t0 + 20_000, metrics: { mos: 4.0 } }]);
    expect(f.serviceEvents.map((e) => e.to)).toEqual(['up', 'down', 'up']);
  });
});
