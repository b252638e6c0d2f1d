import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../shared/clock.js';
import { collectorFixture, AS_ADMIN } from './fixture.js';
import { hang, testChannel } from './test-channel.js';

type F = Awaited<ReturnType<typeof collectorFixture>>;
let f: F | undefined;
afterEach(async () => {
  await f?.close();
  f = undefined;
});

const DEF = 'client: acme\ntimezone: UTC\nservices:\n  - { id: web, target: 99.9, members: [web-1], downtime: { when: { membersDown: 1 } } }\n';
const result = (x: F, a: { agentId: string; token: string }, status: 'up' | 'down') => x.ingest(a, [{ check: 'web-1', status, ts: x.clock.now() }]);
const deliveries = async (x: F) =>
  (await Promise.all((await x.store.incidents.list()).map((i) => x.store.outbox.deliveries(i.id))))
    .flat()
    .sort((a, b) => a.id - b.id)
    .map(({ event, channel, status, attempts }) => ({ event, channel, status, attempts }));

describe('outbox: faults, order, restarts', () => {
  it('a hanging, a failing and a rate-limited channel are retried without holding up the others, and nothing is delivered twice', async () => {
    const ok = testChannel('ok');
    const hanging = testChannel('hanging', (n, _m, signal) => (n === 1 ? hang(signal) : { ok: true }), {}, 2000);
    const failing = testChannel('failing', (n) => (n <= 2 ? { ok: false, status: 500, error: 'HTTP 500' } : { ok: true }));
    const limited = testChannel('limited', (n) => (n === 1 ? { ok: false, status: 429, retryAfterMs: 7000, error: 'HTTP 429' } : { ok: true }));
    f = await collectorFixture({ state: { confirmDown: 1, confirmUp: 1 }, notifications: { retry: { baseDelay: '1s', maxAttempts: 5 } } }, DEF, {
      channels: [ok.routed, hanging.routed, failing.routed, limited.routed],
    });
    const a = await f.enroll('site-a');
    await result(f, a, 'up');
    f.clock.advance(10_000);
    await result(f, a, 'down'); // queues the DOWN and starts a round
    await f.incidents.outbox.tick();
    // 'ok' is delivered while the hanging attempt is still open: nobody waits for anybody else
    expect(ok.events()).toEqual(['incident.opened']);
    expect(hanging.attempts).toHaveLength(1);
    expect((await deliveries(f)).find((d) => d.channel === 'hanging')).toMatchObject({ status: 'sending', attempts: 0 }); // claimed, in flight
    await f.incidents.outbox.settle(); // the hang is cut at its own timeout
    expect((await deliveries(f)).map((d) => `${d.channel}:${d.status}:${d.attempts}`)).toEqual([
      'ok:delivered:1',
      'hanging:pending:1',
      'failing:pending:1',
      'limited:pending:1',
    ]);

    f.clock.advance(500); // before any backoff (≥ 0.8 s) is due
    await result(f, a, 'up'); // RESOLVED queued while three channels still owe the DOWN
    await f.incidents.outbox.tick();
    expect(ok.events()).toEqual(['incident.opened', 'incident.resolved']);
    for (const c of [hanging, failing, limited]) expect(c.events()).not.toContain('incident.resolved');

    f.clock.advance(2_500); // backoff (1 s, then 2 s, ±20 %) is due, Retry-After (7 s) is not
    await f.incidents.outbox.tick();
    await f.incidents.outbox.tick();
    expect(limited.attempts).toHaveLength(1);
    f.clock.advance(60_000);
    for (let i = 0; i < 6; i++) await f.incidents.outbox.tick();
    for (const c of [ok, hanging, failing, limited]) expect(c.events(), c.routed.channel.name).toEqual(['incident.opened', 'incident.resolved']);
    expect(failing.attempts.map((x) => x.event)).toEqual(['incident.opened', 'incident.opened', 'incident.opened', 'incident.resolved']);
    expect(new Set(failing.attempts.slice(0, 3).map((x) => x.deliveryId)).size).toBe(1); // the same delivery id on every retry
    expect((await deliveries(f)).every((d) => d.status === 'delivered')).toBe(true);
  });

  it('gives up at once on a permanent failure and after maxAttempts on retryable ones, and says so in the trail', async () => {
    const rejecting = testChannel('rejecting', () => ({ ok: false, status: 400, permanent: true, error: 'HTTP 400 invalid_payload' }));
    const down = testChannel('down', () => ({ ok: false, error: 'connect ECONNREFUSED' }));
    f = await collectorFixture({ state: { confirmDown: 1, confirmUp: 1 }, notifications: { retry: { baseDelay: '1s', maxAttempts: 3 } } }, DEF, {
      channels: [rejecting.routed, down.routed],
    });
    const a = await f.enroll('site-a');
    await result(f, a, 'up');
    await result(f, a, 'down');
    for (let i = 0; i < 5; i++) {
      await f.incidents.outbox.tick();
      f.clock.advance(60_000);
    }
    expect(rejecting.attempts).toHaveLength(1);
    expect(down.attempts).toHaveLength(3);
    expect((await deliveries(f)).map((d) => d.status)).toEqual(['failed', 'failed']);
    const [inc] = (await f.app.inject({ headers: AS_ADMIN, url: '/api/v1/incidents' })).json().incidents;
    const trail = (await f.app.inject({ headers: AS_ADMIN, url: `/api/v1/incidents/${inc.id}` })).json().trail;
    expect(
      trail
        .filter((e: { kind: string }) => e.kind === 'notification-failed')
        .map((e: { detail: { channel: string; attempts: number } }) => `${e.detail.channel}:${e.detail.attempts}`),
    ).toEqual(['rejecting:1', 'down:3']);
  });

  it('pending notifications survive a collector restart and are delivered once', async () => {
    const clock = new ManualClock(Date.parse('2026-10-05T10:00:00Z'));
    const offline = testChannel('noc', () => ({ ok: false, error: 'connect ECONNREFUSED' }));
    f = await collectorFixture({ state: { confirmDown: 1, confirmUp: 1 } }, DEF, { channels: [offline.routed], clock });
    const a = await f.enroll('site-a');
    await result(f, a, 'up');
    await result(f, a, 'down');
    await f.incidents.outbox.tick();
    expect(offline.attempts).toHaveLength(1);
    const dir = f.dir;
    await f.close(true);
    clock.advance(120_000);
    const online = testChannel('noc');
    f = await collectorFixture({ state: { confirmDown: 1, confirmUp: 1 } }, DEF, { channels: [online.routed], clock, dir });
    await f.incidents.outbox.tick();
    await f.incidents.outbox.tick();
    expect(online.events()).toEqual(['incident.opened']);
    expect(online.attempts[0]!.deliveryId).toBe(offline.attempts[0]!.deliveryId);
    expect(await deliveries(f)).toEqual([{ event: 'incident.opened', channel: 'noc', status: 'delivered', attempts: 2 }]);
  });
});

describe('signed acknowledge link', () => {
  it('GET shows a confirmation form and acknowledges nothing; POST acknowledges; a forged or expired link is refused', async () => {
    const noc = testChannel('noc');
    f = await collectorFixture({ state: { confirmDown: 1, confirmUp: 1 }, publicUrl: 'http://vigil.test:8460' }, DEF, { channels: [noc.routed] });
    const a = await f.enroll('site-a');
    await result(f, a, 'up');
    await result(f, a, 'down');
    await f.incidents.outbox.tick();
    const link = new URL(noc.delivered[0]!.ackUrl!);
    expect(noc.delivered[0]!.text).toContain(link.href);
    const path = link.pathname + link.search;
    const get = await f.app.inject({ headers: AS_ADMIN, url: path });
    expect(get.statusCode).toBe(200);
    expect(get.headers['content-type']).toMatch(/text\/html/);
    expect(get.body).toMatch(/<form method="post"/);
    expect((await f.store.incidents.get(Number(link.pathname.split('/')[2])))!.acknowledgedAt).toBeNull();

    const forged = path.replace(/sig=[^&]+/, 'sig=AAAA');
    expect(
      (await f.app.inject({ method: 'POST', url: forged, payload: 'by=mallory', headers: { 'content-type': 'application/x-www-form-urlencoded' } })).statusCode,
    ).toBe(403);
    const other = path.replace(/^\/ack\/\d+/, '/ack/999');
    expect((await f.app.inject({ headers: AS_ADMIN, url: other })).statusCode).toBe(403); // a signature is for one incident only

    const post = await f.app.inject({ method: 'POST', url: path, payload: 'by=Jane+Doe', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(post.statusCode).toBe(200);
    expect(post.body).toContain('Acknowledged by Jane Doe');
    const inc = (await f.app.inject({ headers: AS_ADMIN, url: `/api/v1/incidents/${link.pathname.split('/')[2]}` })).json();
    expect(inc.acknowledgedBy).toBe('Jane Doe');
    expect(inc.trail.find((e: { kind: string }) => e.kind === 'acknowledged').detail.via).toBe('link');

    f.clock.advance(8 * 86_400_000);
    expect((await f.app.inject({ headers: AS_ADMIN, url: path })).statusCode).toBe(403); // expired after 7 days
  });
});
