import { createServer, type Server } from 'node:http';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { e2eStore } from '../helpers/e2e-store.js';
import { freePort, startChild, tempDir, VIGIL, VIGIL_AGENT, waitFor, type Child } from '../helpers/net.js';

const ADMIN = 'e2e-admin-token-0123456789';
const INTERVAL_S = 1;

interface Hook {
  at: number;
  body: { event: string; incident: Record<string, unknown> };
}

describe('agent → collector → SLA figure → webhook (real processes)', () => {
  const dir = tempDir();
  const hooks: Hook[] = [];
  let target: Server | undefined;
  let receiver: Server;
  let collector: Child;
  let store: Awaited<ReturnType<typeof e2eStore>> | undefined;
  let agent: Child;
  let base: string;
  let targetPort: number;

  const startTarget = () =>
    new Promise<void>((resolve) => {
      target = createServer((_q, r) => r.end('ok')).listen(targetPort, '127.0.0.1', () => resolve());
    });
  const stopTarget = () =>
    new Promise<void>((resolve) => {
      target!.closeAllConnections();
      target!.close(() => resolve());
    });
  const api = async (path: string, init?: RequestInit) =>
    (await fetch(base + path, { ...init, headers: { authorization: `Bearer ${ADMIN}`, ...(init?.headers as Record<string, string>) } })).json() as Promise<any>;

  beforeAll(async () => {
    expect(existsSync(VIGIL), 'build first: npm run build').toBe(true);
    const [cPort, hookPort] = [await freePort(), await freePort()];
    targetPort = await freePort();
    base = `http://127.0.0.1:${cPort}`;
    receiver = createServer((req, res) => {
      let s = '';
      req
        .on('data', (d) => (s += d))
        .on('end', () => {
          hooks.push({ at: Date.now(), body: JSON.parse(s) });
          res.end();
        });
    }).listen(hookPort, '127.0.0.1');
    await startTarget();
    mkdirSync(join(dir.path, 'sla'));
    writeFileSync(
      join(dir.path, 'sla', 'e2e.yaml'),
      'client: e2e\ntimezone: UTC\nservices:\n  - { id: web, target: 99.9, members: [web-1], downtime: { when: { membersDown: 1 } } }\n',
    );
    writeFileSync(
      join(dir.path, 'collector.yaml'),
      [
        `listen: { host: 127.0.0.1, port: ${cPort} }`,
        'dataDir: ./data',
        `adminToken: ${ADMIN}`,
        'slaDir: ./sla',
        'state: { confirmDown: 1, confirmUp: 1, sweepInterval: 500ms }',
        'log: { level: warn }',
        `notifications: { webhooks: [ { name: noc, url: "http://127.0.0.1:${hookPort}/hook", secret: s3cret } ], retry: { baseDelay: 200ms } }`,
      ].join('\n'),
    );
    store = await e2eStore(join(dir.path, 'data'));
    collector = startChild('node', [VIGIL, 'collector', 'run', '-c', join(dir.path, 'collector.yaml')], undefined, store.env);
    await waitFor(async () => (await fetch(`${base}/healthz`)).ok || undefined, 'collector', 15_000).catch((e) => {
      throw new Error(`${e.message}\n${collector.output()}`);
    });
    const token = await api('/api/v1/admin/enrollment-tokens', {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ clientId: 'e2e', siteId: 'lab' }),
    });
    const enrolled = startChild(VIGIL_AGENT, [
      'enroll',
      '--collector',
      base,
      '--token',
      token.token,
      '--state-dir',
      join(dir.path, 'agent'),
      '--name',
      'site-agent',
    ]);
    await new Promise((r) => enrolled.proc.once('exit', r));
    expect(enrolled.proc.exitCode, enrolled.output()).toBe(0);
    expect(await store.agents(), `the agent is enrolled in the collector's ${store.name} store`).toBe(1);
    writeFileSync(
      join(dir.path, 'agent.yaml'),
      [
        `collector: { url: "${base}" }`,
        'stateDir: ./agent',
        'labels: { client: e2e, site: lab }',
        'send: { flushInterval: 300ms }',
        'heartbeat: { interval: 2s }',
        'host: { enabled: false }',
        'log: { level: warn }',
        `checks:\n  - { id: web-1, type: http, interval: ${INTERVAL_S}s, timeout: 500ms, url: "http://127.0.0.1:${targetPort}/", labels: { service: web } }`,
      ].join('\n'),
    );
    agent = startChild(VIGIL_AGENT, ['run', '-c', join(dir.path, 'agent.yaml')]);
    await waitFor(
      async () => (await api('/api/v1/checks?client=e2e')).checks.find((c: any) => c.check === 'web-1' && c.state === 'up'),
      'web-1 up',
      20_000,
    ).catch((e) => {
      throw new Error(`${e.message}\nagent: ${agent.output()}\ncollector: ${collector.output()}`);
    });
  }, 60_000);

  afterAll(async () => {
    await agent?.stop();
    await collector?.stop();
    await store?.stop();
    receiver?.close();
    target?.close();
    dir.remove();
  });

  it('reports the downtime of a stopped target in the SLA figure and notifies DOWN then UP with the times', async () => {
    const downAt = Date.now();
    await stopTarget();
    await waitFor(() => hooks.find((h) => h.body.event === 'incident.opened'), 'DOWN webhook', 15_000);
    await new Promise((r) => setTimeout(r, 6000 - (Date.now() - downAt)));
    const upAt = Date.now();
    await startTarget();
    await waitFor(() => hooks.find((h) => h.body.event === 'incident.resolved'), 'UP webhook', 15_000);
    const outage = (upAt - downAt) / 1000;

    expect(hooks.map((h) => h.body.event)).toEqual(['incident.opened', 'incident.resolved']);
    const down = hooks[0]!.body.incident;
    const started = Date.parse(down.startedAt as string);
    const detected = Date.parse(down.detectedAt as string);
    expect(started).toBeGreaterThanOrEqual(downAt - 50);
    expect(started - downAt).toBeLessThanOrEqual(INTERVAL_S * 1000 + 600);
    expect(detected).toBeGreaterThanOrEqual(started);

    const sla = await api('/api/v1/sla/e2e');
    const web = sla.services.find((s: any) => s.id === 'web');
    expect(Math.abs(web.downtimeSeconds - outage)).toBeLessThanOrEqual(INTERVAL_S + 0.6);
    expect(web.incidentCount).toBe(1);
    expect(web.availabilityPercent).toBeLessThan(100);

    const { incidents } = await api('/api/v1/incidents?client=e2e');
    expect(incidents).toHaveLength(1);
    const inc = incidents[0];
    expect(inc.status).toBe('resolved');
    expect(inc.startedAt).toBe(started);
    expect(inc.timeToDetectSeconds).toBeGreaterThanOrEqual(0);
    expect(inc.timeToNotifySeconds).toBeGreaterThanOrEqual(inc.timeToDetectSeconds);
    const { deliveries } = await api(`/api/v1/incidents/${inc.id}`);
    expect(deliveries.map((d: any) => [d.event, d.status])).toEqual([
      ['incident.opened', 'delivered'],
      ['incident.resolved', 'delivered'],
    ]);
    expect(Math.abs(deliveries[0].deliveredAt - hooks[0]!.at)).toBeLessThan(1000);

    const cli = startChild('node', [VIGIL, 'incident', 'list', '--client', 'e2e', '--collector', base, '--token', ADMIN]);
    await new Promise((r) => cli.proc.once('exit', r));
    expect(cli.output()).toMatch(new RegExp(`#${inc.id} e2e/web service-down p2 resolved +started ${new Date(started).toISOString()}`));

    const metrics = await (await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${ADMIN}` } })).text();
    expect(metrics).toMatch(/vigil_check_up\{client="e2e",site="lab",service="web",check="web-1",type="http"\} 1/);
    // measured time is only the seconds since the first result (earlier time is unknown, excluded), so the ratio is low
    const ratio = Number(/vigil_sla_availability_ratio\{client="e2e",service="web"\} ([0-9.e-]+)/.exec(metrics)![1]);
    expect(ratio).toBeGreaterThan(0);
    expect(ratio).toBeLessThan(1);
    expect(Math.abs(ratio - web.availabilityPercent / 100)).toBeLessThan(0.1);
  }, 60_000);
});
