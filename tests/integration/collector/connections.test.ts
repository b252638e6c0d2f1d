import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { parseCollectorConfig } from '../../../collector/src/config.js';
import { startCollector, type CollectorHandle } from '../../../collector/src/server.js';
import { freePort, tempDir, waitFor } from '../../helpers/net.js';
import { selfSigned } from '../../helpers/tls.js';

/**
 * The connection rules of `security.connections` on a real listening collector: slow bodies
 * (slowloris) are cut at the request deadline, sockets past the cap are closed at once and
 * counted, and normal requests keep being served meanwhile; TLS from a cert/key pair, reloaded
 * on SIGHUP; /metrics on a listener of its own.
 */
const ADMIN = 'conn-admin-token-0123456789';
const open: Socket[] = [];
const dirs: Array<ReturnType<typeof tempDir>> = [];
let c: CollectorHandle | undefined;
afterEach(async () => {
  for (const s of open.splice(0)) s.destroy();
  await c?.close();
  c = undefined;
  for (const d of dirs.splice(0)) d.remove();
});

async function collector(extra: Record<string, unknown>) {
  const d = tempDir();
  dirs.push(d);
  const config = parseCollectorConfig({ listen: { host: '127.0.0.1', port: await freePort() }, dataDir: d.path, adminToken: ADMIN, ...extra }, 'test');
  const lines: string[] = [];
  c = await startCollector(config, { logger: pino({ level: 'warn' }, { write: (l: string) => void lines.push(l) }) });
  return { c, dir: d.path, lines };
}
const port = (url: string) => Number(new URL(url).port);
function socket(p: number): Promise<Socket> {
  return new Promise((resolve) => {
    const s = connect(p, '127.0.0.1', () => resolve(s));
    s.on('error', () => undefined);
    open.push(s);
  });
}
const closed = (s: Socket) => s.destroyed || s.closed;
const healthy = async (url: string, dispatcher?: Agent) => (await request(`${url}/healthz`, dispatcher ? { dispatcher } : {})).statusCode;
const refusedCount = async (url: string, reason: string) => {
  const body = await (await request(`${url}/metrics`, { headers: { authorization: `Bearer ${ADMIN}` } })).body.text();
  return Number(new RegExp(`vigil_http_refused_total\\{reason="${reason}"\\} (\\d+)`).exec(body)?.[1] ?? 0);
};

describe('collector connections', () => {
  it('slowloris: 150 slow bodies are all cut at the request deadline, while normal requests are answered', async () => {
    const { c } = await collector({ security: { connections: { requestTimeout: '2s', headersTimeout: '1s' } } });
    const slow = await Promise.all(Array.from({ length: 150 }, () => socket(port(c.url))));
    const drip = setInterval(() => slow.forEach((s) => !closed(s) && s.write('x')), 200);
    try {
      // enrollment reads its body before it can check the token in it: the route a slow body can hold open
      for (const s of slow) s.write('POST /api/v1/enroll HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 60000\r\n\r\n');
      expect(await healthy(c.url)).toBe(200);
      await waitFor(() => slow.every(closed) || undefined, 'every slow body cut', 15_000);
      expect(await healthy(c.url)).toBe(200);
    } finally {
      clearInterval(drip);
    }
  });

  it('idle sockets: past the cap new connections are closed at once, counted and logged; idle ones go at the headers deadline; service goes on', async () => {
    const { c, lines } = await collector({ security: { connections: { max: 40, headersTimeout: '1s' } } });
    const idle = await Promise.all(Array.from({ length: 100 }, () => socket(port(c.url))));
    await waitFor(() => idle.filter(closed).length >= 60 || undefined, 'the connections past the cap closed', 10_000);
    await waitFor(() => idle.every(closed) || undefined, 'idle sockets cut at the headers deadline', 15_000);
    const agent = new Agent({ connections: 1 });
    try {
      expect(await healthy(c.url, agent)).toBe(200);
    } finally {
      await agent.close();
    }
    expect(await refusedCount(c.url, 'connection-cap')).toBeGreaterThanOrEqual(60);
    expect(lines.filter((l) => l.includes('connection cap reached'))).toHaveLength(1); // once a minute, not once per socket
  });

  it('TLS from a cert and key, reloaded on SIGHUP; /metrics also on a listener of its own without a token', async () => {
    const d = tempDir();
    dirs.push(d);
    const cert = (cn: string) => selfSigned(d.path, cn);
    cert('first.vigil.test');
    const metricsPort = await freePort();
    const { c } = await collector({
      security: { tls: { cert: join(d.path, 'cert.pem'), key: join(d.path, 'key.pem') } },
      metrics: { listen: { host: '127.0.0.1', port: metricsPort } },
    });
    expect(c.url).toMatch(/^https:/);
    const peerCn = async () =>
      new Promise<string>((resolve, reject) => {
        import('node:tls').then(({ connect: tlsConnect }) => {
          const s = tlsConnect({ port: port(c.url), host: '127.0.0.1', rejectUnauthorized: false }, () => {
            resolve(String(s.getPeerCertificate().subject.CN));
            s.end();
          });
          s.on('error', reject);
        }, reject);
      });
    expect(await peerCn()).toBe('first.vigil.test');
    cert('renewed.vigil.test');
    process.kill(process.pid, 'SIGHUP');
    await waitFor(async () => (await peerCn()) === 'renewed.vigil.test' || undefined, 'the renewed certificate served', 10_000);
    const m = await request(c.metricsUrl!);
    expect(m.statusCode).toBe(200);
    expect(await m.body.text()).toContain('vigil_ingest_batches_total');
    expect((await request(`http://127.0.0.1:${metricsPort}/api/v1/checks`)).statusCode).toBe(404);
  });
});
