import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { e2eStore } from '../helpers/e2e-store.js';
import { freePort, startChild, tempDir, VIGIL, VIGIL_AGENT, waitFor, type Child } from '../helpers/net.js';

const ADMIN = 'e2e-admin-token-0123456789';
const SECRET = 'hook-secret';
const CHANNELS = ['webhook', 'slack', 'teams', 'psa', 'email'] as const;
type Name = (typeof CHANNELS)[number];
interface Receipt {
  at: number;
  key: string;
  body: string;
  headers: Record<string, string | string[] | undefined>;
}

/** The dedupe key inside X-Vigil-Delivery (`<incident>-<key>-<channel>`). */
const keyOf = (delivery: string) => /^\d+-(.+)-[a-z]+$/.exec(delivery)?.[1] ?? `?${delivery}`;

describe('incidents e2e: every channel gets DOWN, ESCALATION / ACK and RESOLVED in order, exactly once (real processes, SMTP and HTTP receivers)', () => {
  const dir = tempDir();
  const got = new Map<Name, Receipt[]>(CHANNELS.map((c) => [c, []]));
  let target: Server | undefined;
  let receiver: Server;
  let smtp: SMTPServer;
  let collector: Child;
  let store: Awaited<ReturnType<typeof e2eStore>> | undefined;
  let agent: Child;
  let base: string;
  let targetPort: number;

  const startTarget = () =>
    new Promise<void>((r) => {
      target = createServer((_q, s) => s.end('ok')).listen(targetPort, '127.0.0.1', () => r());
    });
  const stopTarget = () =>
    new Promise<void>((r) => {
      target!.closeAllConnections();
      target!.close(() => r());
    });
  const api = async (path: string) => (await fetch(base + path, { headers: { authorization: `Bearer ${ADMIN}` } })).json() as Promise<any>;
  const keys = (c: Name) => got.get(c)!.map((r) => r.key);
  const allHave = (key: string) => CHANNELS.every((c) => keys(c).filter((k) => k.startsWith(`${key}`)).length > 0) || undefined;
  const run = async (args: string[]) => {
    const c = startChild('node', [VIGIL, ...args]);
    await new Promise((r) => c.proc.once('exit', r));
    expect(c.proc.exitCode, c.output()).toBe(0);
    return c.output();
  };

  beforeAll(async () => {
    const [cPort, hookPort, smtpPort] = [await freePort(), await freePort(), await freePort()];
    targetPort = await freePort();
    base = `http://127.0.0.1:${cPort}`;
    receiver = createServer((req, res) => {
      let body = '';
      req
        .on('data', (d) => (body += d))
        .on('end', () => {
          const name = req.url!.slice(1) as Name;
          got.get(name)?.push({ at: Date.now(), key: keyOf(String(req.headers['x-vigil-delivery'])), body, headers: req.headers });
          res.end(name === 'slack' ? 'ok' : '{}');
        });
    }).listen(hookPort, '127.0.0.1');
    smtp = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onData(stream, _session, cb) {
        let raw = '';
        stream
          .on('data', (d: Buffer) => (raw += d.toString('utf8')))
          .on('end', () => {
            const delivery = /^X-Vigil-Delivery: (.+)$/im.exec(raw)?.[1]?.trim() ?? '';
            got.get('email')!.push({ at: Date.now(), key: keyOf(delivery), body: raw, headers: {} });
            cb();
          });
      },
    });
    await new Promise<void>((r) => smtp.listen(smtpPort, '127.0.0.1', () => r()));
    await startTarget();
    mkdirSync(join(dir.path, 'sla'));
    writeFileSync(
      join(dir.path, 'sla', 'e2e.yaml'),
      [
        'client: e2e',
        'timezone: UTC',
        'services:',
        '  - { id: web, target: 99.9, priority: p1, members: [web-1], downtime: { when: { membersDown: 1 } },',
        '      incidentTargets: { p1: { notify: 1m, response: 5m, resolution: 1h } } }',
      ].join('\n'),
    );
    const hook = (p: string) => `http://127.0.0.1:${hookPort}/${p}`;
    writeFileSync(
      join(dir.path, 'collector.yaml'),
      [
        `listen: { host: 127.0.0.1, port: ${cPort} }`,
        'dataDir: ./data',
        `adminToken: ${ADMIN}`,
        'slaDir: ./sla',
        `publicUrl: ${base}`,
        'state: { confirmDown: 1, confirmUp: 1, sweepInterval: 250ms }',
        'log: { level: warn }',
        'notifications:',
        '  retry: { baseDelay: 200ms }',
        '  escalation: [ { after: 3s } ]',
        '  channels:',
        `    - { type: webhook, name: webhook, url: "${hook('webhook')}", secret: ${SECRET} }`,
        `    - { type: slack, name: slack, url: "${hook('slack')}" }`,
        `    - { type: teams, name: teams, url: "${hook('teams')}" }`,
        `    - { type: psa, name: psa, url: "${hook('psa')}", template: connectwise, fields: { company: ACME, board: NOC }, events: [incident.opened, incident.escalated, incident.acknowledged, incident.resolved] }`,
        `    - { type: email, name: email, host: 127.0.0.1, port: ${smtpPort}, secure: false, from: "vigil@msp.example", to: ["noc@msp.example"] }`,
      ].join('\n'),
    );
    await run(['collector', 'check-config', '-c', join(dir.path, 'collector.yaml')]);
    store = await e2eStore(join(dir.path, 'data'));
    collector = startChild('node', [VIGIL, 'collector', 'run', '-c', join(dir.path, 'collector.yaml')], undefined, store.env);
    await waitFor(async () => (await fetch(`${base}/healthz`).catch(() => undefined))?.ok || undefined, 'collector', 15_000).catch((e) => {
      throw new Error(`${e.message}\n${collector.output()}`);
    });
    const token = (await (
      await fetch(`${base}/api/v1/admin/enrollment-tokens`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ clientId: 'e2e', siteId: 'lab' }),
      })
    ).json()) as { token: string };
    await run(['agent', 'enroll', '--collector', base, '--token', token.token, '--state-dir', join(dir.path, 'agent'), '--name', 'site-agent']);
    expect(await store.agents(), `the agent is enrolled in the collector's ${store.name} store`).toBe(1);
    writeFileSync(
      join(dir.path, 'agent.yaml'),
      [
        `collector: { url: "${base}" }`,
        'stateDir: ./agent',
        'labels: { client: e2e, site: lab }',
        'send: { flushInterval: 200ms }',
        'heartbeat: { interval: 2s }',
        'host: { enabled: false }',
        'log: { level: warn }',
        `checks:\n  - { id: web-1, type: http, interval: 1s, timeout: 500ms, url: "http://127.0.0.1:${targetPort}/", labels: { service: web } }`,
      ].join('\n'),
    );
    agent = startChild(VIGIL_AGENT, ['run', '-c', join(dir.path, 'agent.yaml')]);
    await waitFor(async () => (await api('/api/v1/checks')).checks?.find((c: any) => c.check === 'web-1' && c.state === 'up'), 'check up', 20_000).catch(
      (e) => {
        throw new Error(`${e.message}\n${agent.output()}`);
      },
    );
  }, 60_000);

  afterAll(async () => {
    await agent?.stop(); // waits for exit: the agent writes its state dir as it stops
    await collector?.stop();
    await store?.stop();
    await stopTarget().catch(() => undefined);
    receiver?.close();
    await new Promise<void>((r) => (smtp ? smtp.close(() => r()) : r()));
    dir.remove();
  });

  it('outage 1, nobody acknowledges: DOWN, then ESCALATION after 3 s, then RESOLVED; the record holds the times', async () => {
    const downAt = Date.now();
    await stopTarget();
    await waitFor(() => allHave('incident.escalated#1'), 'escalation on every channel', 20_000);
    const upAt = Date.now();
    await startTarget();
    await waitFor(() => allHave('incident.resolved'), 'RESOLVED on every channel', 20_000);
    await new Promise((r) => setTimeout(r, 1500)); // time for a duplicate to show up, if there were one
    for (const c of CHANNELS) expect(keys(c), c).toEqual(['incident.opened', 'incident.escalated#1', 'incident.resolved']);

    const [inc] = (await api('/api/v1/incidents?client=e2e&kind=service-down')).incidents;
    expect(inc).toMatchObject({ status: 'resolved', priority: 'p1', escalationLevel: 1, acknowledgedAt: null });
    expect(inc.startedAt).toBeGreaterThanOrEqual(downAt - 50);
    expect(inc.startedAt - downAt).toBeLessThanOrEqual(1600); // one check interval and a timeout
    expect(inc.detectedAt).toBeGreaterThanOrEqual(inc.startedAt);
    expect(inc.resolvedAt).toBeGreaterThanOrEqual(upAt - 50);
    const detail = await api(`/api/v1/incidents/${inc.id}`);
    expect(detail.deliveries).toHaveLength(15);
    for (const d of detail.deliveries) {
      expect(d.status, `${d.channel} ${d.event}`).toBe('delivered');
      const receipt = got.get(d.channel)!.find((r) => r.key === d.event)!;
      expect(Math.abs(receipt.at - d.deliveredAt), `${d.channel} ${d.event}`).toBeLessThan(1000);
    }
    const firstDown = Math.min(...detail.deliveries.filter((d: any) => d.event === 'incident.opened').map((d: any) => d.deliveredAt));
    expect(inc.timeToNotifySeconds).toBeCloseTo((firstDown - inc.startedAt) / 1000, 3);
    const escalated = detail.trail.find((e: any) => e.kind === 'escalated');
    expect(escalated.at - inc.detectedAt).toBeGreaterThanOrEqual(3000);

    const hook = got.get('webhook')![0]!;
    expect(hook.headers['x-vigil-signature']).toBe(`sha256=${createHmac('sha256', SECRET).update(hook.body).digest('hex')}`);
    expect(JSON.parse(hook.body)).toMatchObject({ event: 'incident.opened', title: 'DOWN e2e/web (p1)', client: 'e2e', service: 'web' });
    expect(JSON.parse(hook.body).ackUrl).toMatch(new RegExp(`^${base}/ack/${inc.id}\\?exp=`));
    expect(JSON.parse(got.get('slack')![0]!.body).text).toContain('DOWN e2e/web (p1)');
    expect(got.get('teams')![1]!.body).toContain('ESCALATION 1: e2e/web not acknowledged (p1)');
    expect(JSON.parse(got.get('psa')![0]!.body)).toMatchObject({ company: { identifier: 'ACME' }, board: { name: 'NOC' } });
    expect(got.get('email')![2]!.body).toMatch(/^Subject: RESOLVED e2e\/web after \d+ s$/m);
  }, 60_000);

  it('outage 2, acknowledged with the CLI: ACK instead of ESCALATION, then RESOLVED; stats show both incidents', async () => {
    const before = new Map(CHANNELS.map((c) => [c, keys(c).length]));
    const later = (c: Name) => keys(c).slice(before.get(c));
    await stopTarget();
    await waitFor(() => CHANNELS.every((c) => later(c).includes('incident.opened')) || undefined, 'second DOWN', 20_000);
    const [open] = (await api('/api/v1/incidents?client=e2e&status=open&kind=service-down')).incidents;
    const out = await run(['incident', 'ack', String(open.id), '--by', 'noc-oncall', '--note', 'looking', '--collector', base, '--admin-token', ADMIN]);
    expect(out).toContain(`#${open.id} e2e/web acknowledged by noc-oncall`);
    await waitFor(() => CHANNELS.every((c) => later(c).includes('incident.acknowledged')) || undefined, 'ACK on every channel', 20_000);
    await new Promise((r) => setTimeout(r, 3500)); // past the escalation delay: an acknowledged incident must not escalate
    await startTarget();
    await waitFor(() => CHANNELS.every((c) => later(c).includes('incident.resolved')) || undefined, 'second RESOLVED', 20_000);
    await new Promise((r) => setTimeout(r, 1000));
    for (const c of CHANNELS) expect(later(c), c).toEqual(['incident.opened', 'incident.acknowledged', 'incident.resolved']);

    const inc = await api(`/api/v1/incidents/${open.id}`);
    expect(inc).toMatchObject({ acknowledgedBy: 'noc-oncall', escalationLevel: 0, within: { notify: true, response: true, resolution: true } });
    const stats = await run(['incident', 'stats', '--client', 'e2e', '--json', '--collector', base, '--token', ADMIN]);
    const s = JSON.parse(stats);
    expect(s.summary).toMatchObject({ count: 2, open: 0 });
    expect(s.summary.adherence.notify).toMatchObject({ percent: 100, total: 2 });
    expect(s.summary.timeToAcknowledge.count).toBe(1);
  }, 60_000);

  it('access from the CLI: an admin makes a viewer token for the client; it reads that client only; the audit log names who did what', async () => {
    const created = JSON.parse(
      await run([
        'api-token',
        'create',
        '--role',
        'viewer',
        '--client',
        'e2e',
        '--name',
        'client portal',
        '--ttl',
        '30d',
        '--collector',
        base,
        '--admin-token',
        ADMIN,
      ]),
    );
    expect(created).toMatchObject({ role: 'viewer', clients: ['e2e'], status: 'active' });
    const sla = JSON.parse(await run(['sla', 'show', '--client', 'e2e', '--format', 'json', '--collector', base, '--token', created.token]));
    expect(sla.client).toBe('e2e');
    expect((await fetch(`${base}/api/v1/sla/e2e`)).status).toBe(401);
    expect((await fetch(`${base}/api/v1/sla/other`, { headers: { authorization: `Bearer ${created.token}` } })).status).toBe(403);
    const listed = JSON.parse(await run(['api-token', 'list', '--collector', base, '--admin-token', ADMIN]));
    expect(listed.tokens.map((t: { id: string }) => t.id)).toContain(created.id);
    expect(JSON.stringify(listed)).not.toContain(created.token);
    const audit = JSON.parse(await run(['audit', 'list', '--action', 'api-token.create', '--collector', base, '--admin-token', ADMIN]));
    expect(audit.entries[0]).toMatchObject({ principal: 'admin', target: created.id, source: '127.0.0.1' });
    const acks = JSON.parse(await run(['audit', 'list', '--action', 'incident.ack', '--collector', base, '--admin-token', ADMIN]));
    expect(acks.entries[0]).toMatchObject({ client: 'e2e', detail: { by: 'noc-oncall', via: 'cli' } });
    // the contract report, fetched with the viewer's token, verified against the collector's key; one changed byte is caught
    const file = join(dir.path, 'report.json');
    await run(['report', '--client', 'e2e', '--format', 'json', '--out', file, '--collector', base, '--token', created.token]);
    expect(await run(['report', 'verify', file, '--collector', base])).toContain('verified');
    writeFileSync(file, readFileSync(file, 'utf8').replace('"status":"', '"status":"x'));
    const tampered = startChild('node', [VIGIL, 'report', 'verify', file, '--collector', base]);
    await new Promise((r) => tampered.proc.once('exit', r));
    expect(tampered.proc.exitCode).not.toBe(0);
    expect(tampered.output()).toMatch(/NOT verified/);
    // offline, from the collector's own store and definitions (its config file): signed with the same key
    const offline = join(dir.path, 'offline.json');
    const off = startChild('node', [VIGIL, 'report', '-c', join(dir.path, 'collector.yaml'), '--client', 'e2e', '--out', offline], undefined, store!.env);
    await new Promise((r) => off.proc.once('exit', r));
    expect(off.proc.exitCode, off.output()).toBe(0);
    expect(await run(['report', 'verify', offline, '--collector', base])).toContain('verified');
    expect(JSON.parse(readFileSync(offline, 'utf8')).services.map((x: { id: string }) => x.id)).toEqual(
      JSON.parse(readFileSync(file, 'utf8').replace('"status":"x', '"status":"')).services.map((x: { id: string }) => x.id),
    );
    const pdf = join(dir.path, 'report.pdf');
    await run(['report', '--client', 'e2e', '--format', 'pdf', '--out', pdf, '--collector', base, '--token', created.token]);
    expect(await run(['report', 'verify', pdf, '--collector', base])).toContain('its pages are exactly what the signed report renders to');
    // a changed page (here its size; the signed JSON inside untouched) is caught
    const pdfBytes = readFileSync(pdf, 'latin1');
    expect(pdfBytes).toContain('/MediaBox [0 0 595.28 841.89]');
    writeFileSync(pdf, pdfBytes.replace('/MediaBox [0 0 595.28 841.89]', '/MediaBox [0 0 595.28 841.80]'), 'latin1');
    const changedPage = startChild('node', [VIGIL, 'report', 'verify', pdf, '--collector', base]);
    await new Promise((r) => changedPage.proc.once('exit', r));
    expect(changedPage.proc.exitCode).not.toBe(0);
    expect(changedPage.output()).toMatch(/NOT verified.*pages are not what the signed report renders to/);
    // every client the token may see, one file each, a progress line per client on stderr
    const all = join(dir.path, 'all');
    const batch = startChild('node', [VIGIL, 'report', '--all-clients', '--format', 'csv', '--out', all, '--collector', base, '--token', created.token]);
    await new Promise((r) => batch.proc.once('exit', r));
    expect(batch.proc.exitCode, batch.output()).toBe(0);
    expect(readdirSync(all)).toEqual(['e2e-current.csv']);
    expect(batch.output()).toMatch(/\[1\/1\] e2e: .*e2e-current\.csv/);
    await run(['api-token', 'revoke', created.id, '--collector', base, '--admin-token', ADMIN]);
    expect((await fetch(`${base}/api/v1/sla/e2e`, { headers: { authorization: `Bearer ${created.token}` } })).status).toBe(401);
  }, 60_000);
});
