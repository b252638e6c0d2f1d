import { afterEach, describe, expect, it } from 'vitest';
import { ADMIN, collectorFixture, AS_ADMIN } from './fixture.js';
import { testChannel } from './test-channel.js';

type F = Awaited<ReturnType<typeof collectorFixture>>;
let f: F | undefined;
afterEach(async () => {
  await f?.close();
  f = undefined;
});

const DEF = `client: acme
timezone: UTC
services:
  - id: network
    target: 99.9
    priority: p1
    members: [fw-1, sw-1, sw-2]
    downtime: { when: { membersDown: 2 } }
    incidentTargets: { p1: { notify: 15m, response: 30m, resolution: 4h } }
`;
const admin = { authorization: `Bearer ${ADMIN}` };

/** Ingests one round for the three members at `ts`. */
const round = (x: F, a: { agentId: string; token: string }, ts: number, down: string[]) =>
  x.ingest(
    a,
    ['fw-1', 'sw-1', 'sw-2'].map((check) => ({ check, status: down.includes(check) ? ('down' as const) : ('up' as const), ts })),
  );

describe('incident lifecycle', () => {
  it('opens one service-level incident per outage, acknowledges it, resolves it, and keeps the times and the audit trail', async () => {
    const noc = testChannel('noc');
    f = await collectorFixture({ state: { confirmDown: 2, confirmUp: 1 }, publicUrl: 'https://vigil.example' }, DEF, { channels: [noc.routed] });
    const a = await f.enroll('site-a');
    const t0 = f.clock.now();
    await round(f, a, t0, []);
    await round(f, a, t0 + 10_000, ['fw-1', 'sw-1']);
    f.clock.set(t0 + 21_000);
    await round(f, a, t0 + 20_000, ['fw-1', 'sw-1']); // confirmed: 2 members down since t0+10s
    await f.incidents.outbox.tick();
    const open = (await f.app.inject({ headers: AS_ADMIN, url: '/api/v1/incidents?status=open' })).json().incidents;
    expect(open).toHaveLength(1);
    expect(open[0]).toMatchObject({
      client: 'acme',
      service: 'network',
      kind: 'service-down',
      priority: 'p1',
      startedAt: t0 + 10_000,
      detectedAt: t0 + 21_000,
      timeToDetectSeconds: 11,
    });
    expect(noc.events()).toEqual(['incident.opened']);
    expect(noc.delivered[0]!.title).toBe('DOWN acme/network (p1)');
    expect(noc.delivered[0]!.ackUrl).toMatch(/^https:\/\/vigil\.example\/ack\/\d+\?exp=\d+&sig=/);
    expect(open[0].timeToNotifySeconds).toBe(11);
    await round(f, a, t0 + 30_000, ['fw-1', 'sw-1', 'sw-2']);
    f.clock.set(t0 + 41_000);
    await round(f, a, t0 + 40_000, ['fw-1', 'sw-1', 'sw-2']); // a third member joins: the incident is updated, not a new one

    f.clock.set(t0 + 60_000);
    const acked = await f.app.inject({ method: 'POST', url: `/api/v1/incidents/${open[0].id}/ack`, headers: admin, payload: { by: 'j.doe', note: 'on it' } });
    expect(acked.statusCode).toBe(200);
    expect(acked.json()).toMatchObject({ acknowledgedBy: 'j.doe', timeToAcknowledgeSeconds: 50 });
    const again = await f.app.inject({ method: 'POST', url: `/api/v1/incidents/${open[0].id}/ack`, headers: admin, payload: { by: 'someone.else' } });
    expect(again.json().acknowledgedBy).toBe('j.doe'); // the first acknowledgement counts
    f.clock.set(t0 + 91_000);
    await round(f, a, t0 + 90_000, []);
    await f.incidents.outbox.tick();
    expect(noc.events()).toEqual(['incident.opened', 'incident.acknowledged', 'incident.resolved']);
    const detail = (await f.app.inject({ headers: AS_ADMIN, url: `/api/v1/incidents/${open[0].id}` })).json();
    expect(detail).toMatchObject({
      status: 'resolved',
      resolvedAt: t0 + 90_000,
      timeToResolveSeconds: 80,
      within: { notify: true, response: true, resolution: true },
    });
    expect(detail.members).toEqual(['fw-1', 'sw-1', 'sw-2']);
    expect(detail.trail.map((e: { kind: string }) => e.kind)).toEqual([
      'opened',
      'notification-queued',
      'notification-delivered',
      'updated',
      'acknowledged',
      'notification-queued',
      'notification-delivered',
      'acknowledged-again',
      'resolved',
      'notification-queued',
      'notification-delivered',
    ]);
    expect(detail.deliveries.map((d: { event: string; status: string }) => `${d.event}:${d.status}`)).toEqual([
      'incident.opened:delivered',
      'incident.acknowledged:delivered',
      'incident.resolved:delivered',
    ]);
  });

  it('escalates an unacknowledged incident once per level and stops when it is acknowledged', async () => {
    const noc = testChannel('noc');
    const boss = testChannel('boss');
    f = await collectorFixture(
      {
        state: { confirmDown: 1, confirmUp: 1 },
        notifications: {
          channels: ['noc', 'boss'].map((name) => ({ type: 'webhook', name, url: 'http://127.0.0.1:9/unused' })), // replaced by the test channels below
          escalation: [{ after: '5m' }, { after: '15m', channels: ['boss'] }, { after: '30m' }],
        },
      },
      DEF,
      { channels: [noc.routed, { ...boss.routed, route: { clients: ['nobody'] } }] },
    );
    const a = await f.enroll('site-a');
    const t0 = f.clock.now();
    await round(f, a, t0, ['fw-1', 'sw-1']);
    const [inc] = (await f.app.inject({ headers: AS_ADMIN, url: '/api/v1/incidents' })).json().incidents;
    f.clock.set(t0 + 4 * 60_000);
    await f.incidents.escalator.sweep();
    f.clock.set(t0 + 5 * 60_000);
    await f.incidents.escalator.sweep();
    await f.incidents.escalator.sweep();
    await f.incidents.outbox.tick();
    expect(noc.events()).toEqual(['incident.opened', 'incident.escalated']);
    expect(noc.delivered[1]!.escalationLevel).toBe(1);
    f.clock.set(t0 + 16 * 60_000);
    await f.incidents.escalator.sweep();
    await f.incidents.outbox.tick();
    expect(boss.delivered.map((m) => `${m.event}#${m.escalationLevel}`)).toEqual(['incident.escalated#2']);
    await f.app.inject({ method: 'POST', url: `/api/v1/incidents/${inc.id}/ack`, headers: admin, payload: { by: 'oncall' } });
    f.clock.set(t0 + 60 * 60_000);
    await f.incidents.escalator.sweep();
    await round(f, a, f.clock.now(), []);
    await f.incidents.outbox.tick();
    expect(noc.events()).toEqual(['incident.opened', 'incident.escalated', 'incident.acknowledged', 'incident.resolved']);
    expect(boss.events()).toEqual(['incident.escalated', 'incident.acknowledged', 'incident.resolved']);
    expect((await f.store.incidents.get(inc.id))!.escalationLevel).toBe(2);
  });

  it('records but does not notify an outage that starts inside a maintenance window', async () => {
    const noc = testChannel('noc');
    const def = DEF.replace('    incidentTargets', '    maintenance: [ { start: "2026-10-05T09:30", duration: 1h } ]\n    incidentTargets');
    f = await collectorFixture({ state: { confirmDown: 1, confirmUp: 1 }, notifications: { escalation: [{ after: '1m' }] } }, def, { channels: [noc.routed] });
    const a = await f.enroll('site-a');
    const t0 = f.clock.now(); // 10:00 UTC, inside 09:30–10:30
    await round(f, a, t0, ['fw-1', 'sw-1']);
    f.clock.set(t0 + 10 * 60_000);
    await f.incidents.escalator.sweep();
    await round(f, a, f.clock.now(), []);
    await f.incidents.outbox.tick();
    const [i] = (await f.app.inject({ headers: AS_ADMIN, url: '/api/v1/incidents' })).json().incidents;
    expect(i).toMatchObject({ muted: true, status: 'resolved', escalationLevel: 0 });
    expect(noc.attempts).toHaveLength(0);
    const stats = (await f.app.inject({ headers: AS_ADMIN, url: '/api/v1/incidents/stats?client=acme&period=2026-10' })).json();
    expect(stats.summary.count).toBe(0); // planned work is not an incident of the contract
  });

  it('one site-unreachable incident when an agent stops, not one per check; services go unknown, not down', async () => {
    const noc = testChannel('noc');
    f = await collectorFixture({ state: { confirmDown: 1, confirmUp: 1, heartbeatLostAfter: '60s' } }, DEF, { channels: [noc.routed] });
    const a = await f.enroll('site-a');
    const t0 = f.clock.now();
    const beat = () =>
      f!.app.inject({
        method: 'POST',
        url: '/api/v1/heartbeat',
        headers: { authorization: `Bearer ${a.token}` },
        payload: {
          agentId: a.agentId,
          sentAt: f!.clock.now(),
          agentVersion: 't',
          uptimeSeconds: 1,
          queuedBatches: 0,
          intervalSeconds: 15,
          checks: ['fw-1', 'sw-1', 'sw-2'].map((id) => ({ id, type: 'tcp', intervalSeconds: 10, timeoutSeconds: 1 })),
        },
      });
    await beat();
    await round(f, a, t0, []);
    for (const s of [61_000, 62_000, 90_000]) {
      f.clock.set(t0 + s);
      await f.engine.sweep();
    }
    await f.incidents.outbox.tick();
    const all = (await f.app.inject({ headers: AS_ADMIN, url: '/api/v1/incidents' })).json().incidents;
    expect(all.map((i: { kind: string; service: string; priority: string }) => `${i.kind}:${i.service}:${i.priority}`)).toEqual([
      'site-unreachable:site:hq:p1',
    ]);
    expect(noc.delivered.map((m) => m.title)).toEqual(['SITE UNREACHABLE acme/hq (p1)']);
    f.clock.set(t0 + 120_000);
    await beat();
    await f.incidents.outbox.tick();
    expect(noc.events()).toEqual(['incident.opened', 'incident.resolved']);
    expect((await f.app.inject({ headers: AS_ADMIN, url: '/api/v1/incidents?status=open' })).json().incidents).toHaveLength(0);
  });
});

describe('incident API bad input', () => {
  it('answers coded errors for an unknown incident, a bad id, a missing name, a missing token and a bad period', async () => {
    f = await collectorFixture({}, DEF);
    const cases: Array<[string, string, unknown, Record<string, string> | undefined, number, string]> = [
      ['GET', '/api/v1/incidents/999', undefined, admin, 404, 'VIGIL_ERR_NOT_FOUND'],
      ['GET', '/api/v1/incidents/abc', undefined, admin, 400, 'VIGIL_ERR_BODY_INVALID'],
      ['POST', '/api/v1/incidents/1/ack', {}, admin, 400, 'VIGIL_ERR_BODY_INVALID'],
      ['POST', '/api/v1/incidents/1/ack', { by: 'x' }, undefined, 401, 'VIGIL_ERR_UNAUTHENTICATED'],
      ['POST', '/api/v1/incidents/1/ack', { by: 'x' }, admin, 404, 'VIGIL_ERR_NOT_FOUND'],
      ['GET', '/api/v1/incidents/stats?client=acme&period=garbage', undefined, admin, 400, 'VIGIL_ERR_QUERY_INVALID'],
      ['GET', '/api/v1/incidents?status=bogus', undefined, admin, 400, 'VIGIL_ERR_BODY_INVALID'],
      ['GET', '/api/v1/incidents', undefined, undefined, 401, 'VIGIL_ERR_UNAUTHENTICATED'],
    ];
    for (const [method, url, payload, headers, status, code] of cases) {
      const r = await f.app.inject({
        method: method as 'GET' | 'POST',
        url,
        ...(payload ? { payload: payload as object } : {}),
        ...(headers ? { headers } : {}),
      });
      expect([r.statusCode, r.json().error.code], `${method} ${url}`).toEqual([status, code]);
    }
  });
});
