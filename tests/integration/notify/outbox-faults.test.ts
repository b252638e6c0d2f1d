import type { ServerResponse } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { collectorFixture } from '../../unit/collector/fixture.js';
import { waitFor } from '../../helpers/net.js';
import { startReceiver, type Captured, type Receiver } from './receiver.js';

const DEF = 'client: acme\ntimezone: UTC\nservices:\n  - { id: web, target: 99.9, members: [web-1], downtime: { when: { membersDown: 1 } } }\n';

/** Replies by attempt number per delivery id, and counts the 2xx answers it gave for each. */
function scripted(plan: (attempt: number, res: ServerResponse) => boolean) {
  const attempts = new Map<string, number>();
  const accepted: string[] = [];
  const hanging: ServerResponse[] = [];
  return {
    accepted,
    hanging,
    reply(req: Captured, res: ServerResponse) {
      const id = String(req.headers['x-vigil-delivery']);
      const n = (attempts.get(id) ?? 0) + 1;
      attempts.set(id, n);
      if (plan(n, res)) accepted.push(`${req.headers['x-vigil-event']}`);
    },
  };
}

describe('outbox with real webhook receivers that hang, fail and rate-limit', () => {
  const receivers: Receiver[] = [];
  let f: Awaited<ReturnType<typeof collectorFixture>> | undefined;
  afterEach(async () => {
    await f?.close();
    await Promise.all(receivers.map((r) => r.close()));
  });

  it('delivers to the healthy receiver at once, retries the others without blocking or duplicating, in order', async () => {
    const ok = scripted((_n, res) => (res.end('ok'), true));
    const hang = scripted((n, res) => (n === 1 ? (hang.hanging.push(res), false) : (res.end('ok'), true)));
    const failing = scripted((n, res) => (n <= 2 ? (res.writeHead(500).end('boom'), false) : (res.end('ok'), true)));
    const limited = scripted((n, res) => (n === 1 ? (res.writeHead(429, { 'retry-after': '7' }).end(), false) : (res.end('ok'), true)));
    const plans = { ok, hang, failing, limited };
    const urls: Record<string, string> = {};
    for (const [name, p] of Object.entries(plans)) {
      const r = await startReceiver((req, res) => p.reply(req, res));
      receivers.push(r);
      urls[name] = r.url;
    }
    f = await collectorFixture(
      {
        state: { confirmDown: 1, confirmUp: 1 },
        notifications: {
          retry: { baseDelay: '1s', maxAttempts: 5 },
          channels: Object.keys(plans).map((name) => ({ type: 'webhook', name, url: urls[name], timeout: name === 'hang' ? '1s' : '5s' })),
        },
      },
      DEF,
    );
    const a = await f.enroll('site-a');
    await f.ingest(a, [{ check: 'web-1', status: 'up', ts: f.clock.now() }]);
    await f.ingest(a, [{ check: 'web-1', status: 'down', ts: f.clock.now() }]);
    await waitFor(() => ok.accepted.length > 0 || undefined, 'the healthy receiver', 5000);
    // healthy answered while the hanging receiver still holds its request open
    expect(ok.accepted).toEqual(['incident.opened']);
    expect(hang.hanging).toHaveLength(1);
    const [incident] = await f.store.incidents.list();
    expect((await f.store.outbox.deliveries(incident!.id)).find((d) => d.channel === 'hang')).toMatchObject({ attempts: 0, status: 'sending' }); // claimed, in flight
    await f.incidents.outbox.settle(); // the hang ends at the channel's 1 s timeout
    f.clock.advance(500);
    await f.ingest(a, [{ check: 'web-1', status: 'up', ts: f.clock.now() }]);
    await f.incidents.outbox.tick();
    await f.incidents.outbox.settle();
    expect(ok.accepted).toEqual(['incident.opened', 'incident.resolved']);
    for (const p of [hang, failing, limited]) expect(p.accepted).toEqual([]);
    for (let i = 0; i < 12; i++) {
      f.clock.advance(2000);
      await f.incidents.outbox.tick();
      await f.incidents.outbox.settle();
    }
    for (const [name, p] of Object.entries(plans)) expect(p.accepted, name).toEqual(['incident.opened', 'incident.resolved']);
    const rows = (await f.store.outbox.deliveries(incident!.id)).sort((x, y) => x.channel.localeCompare(y.channel) || x.id - y.id);
    expect(rows.map((r) => `${r.channel} ${r.event} ${r.attempts} ${r.status}`)).toEqual([
      // each receiver plays its faults again for every delivery id: the RESOLVED is retried like the DOWN
      'failing incident.opened 3 delivered',
      'failing incident.resolved 3 delivered',
      'hang incident.opened 2 delivered',
      'hang incident.resolved 2 delivered',
      'limited incident.opened 2 delivered',
      'limited incident.resolved 2 delivered',
      'ok incident.opened 1 delivered',
      'ok incident.resolved 1 delivered',
    ]);
    for (const r of hang.hanging) r.destroy();
  });
});
