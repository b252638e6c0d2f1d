import { createServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { createServer as createTcpServer } from 'node:net';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../../shared/clock.js';
import { silentLogger } from '../../../shared/logger.js';
import { httpProbe } from '../../../agent/src/probes/http.js';
import { createRequire } from 'node:module';
import { icmpProbe } from '../../../agent/src/probes/icmp.js';
import { filterReplies } from '../../../agent/src/probes/ping-sessions.js';
import { ProbeRuntime } from '../../../agent/src/probes/runtime.js';
import { tcpProbe } from '../../../agent/src/probes/tcp.js';
import { freePort, tempDir } from '../../helpers/net.js';
import { selfSigned } from '../../helpers/tls.js';

const runtime = new ProbeRuntime();
const ctx = (timeoutMs = 1000) => ({ signal: AbortSignal.timeout(timeoutMs), timeoutMs, clock: systemClock, logger: silentLogger(), runtime });
const listen = (s: Server | ReturnType<typeof createTcpServer>) =>
  new Promise<number>((r) => s.listen(0, '127.0.0.1', () => r((s.address() as { port: number }).port)));

describe('probes against real loopback servers', () => {
  const dir = tempDir();
  let http: Server;
  let https: Server;
  let httpPort: number;
  let httpsPort: number;

  beforeAll(async () => {
    http = createServer((req, res) => {
      if (req.url === '/slow') return void setTimeout(() => res.end('late'), 3000);
      if (req.url === '/teapot') return void res.writeHead(418).end('short and stout');
      if (req.url === '/moved') return void res.writeHead(302, { location: '/' }).end();
      res.end('all systems operational');
    });
    httpPort = await listen(http);
    const pem = selfSigned(dir.path);
    https = createHttpsServer({ key: readFileSync(pem.key), cert: readFileSync(pem.cert) }, (_q, r) => r.end('secure ok'));
    httpsPort = await listen(https);
  });
  afterAll(async () => {
    await runtime.close();
    http.closeAllConnections();
    http.close();
    https.close();
    dir.remove();
  });

  it('http: up with timing phases, status code and keyword', async () => {
    const r = await httpProbe.run({ url: `http://127.0.0.1:${httpPort}/`, keyword: 'operational' }, ctx());
    expect(r.status).toBe('up');
    expect(r.metrics.status_code).toBe(200);
    for (const k of ['connect_seconds', 'first_byte_seconds', 'total_seconds']) expect(r.metrics[k]).toBeGreaterThan(0);
    expect(r.metrics.total_seconds).toBeGreaterThanOrEqual(r.metrics.first_byte_seconds!);
  });

  it('http: each failure is a result with its reason, never an exception', async () => {
    expect((await httpProbe.run({ url: `http://127.0.0.1:${httpPort}/teapot` }, ctx())).reason).toBe('status');
    expect((await httpProbe.run({ url: `http://127.0.0.1:${httpPort}/`, keyword: 'outage' }, ctx())).reason).toBe('keyword');
    expect((await httpProbe.run({ url: `http://127.0.0.1:${httpPort}/`, keyword: 'operational', invertKeyword: true }, ctx())).reason).toBe('keyword');
    expect((await httpProbe.run({ url: `http://127.0.0.1:${httpPort}/slow` }, ctx(300))).reason).toBe('timeout');
    expect((await httpProbe.run({ url: `http://127.0.0.1:${await freePort()}/` }, ctx())).reason).toBe('refused');
    expect((await httpProbe.run({ url: 'http://nothing-here.invalid/' }, ctx(3000))).reason).toBe('dns');
    expect((await httpProbe.run({ url: `https://127.0.0.1:${httpsPort}/` }, ctx())).reason).toBe('tls');
  });

  it('http: follows redirects; https with the self-signed cert allowed reports days to expiry', async () => {
    expect((await httpProbe.run({ url: `http://127.0.0.1:${httpPort}/moved`, expectStatus: [200] }, ctx())).status).toBe('up');
    const r = await httpProbe.run({ url: `https://127.0.0.1:${httpsPort}/`, insecureSkipVerify: true, keyword: 'secure' }, ctx());
    expect(r.status).toBe('up');
    expect(r.metrics.tls_cert_expiry_days).toBeGreaterThan(29);
    expect(r.metrics.tls_cert_expiry_days).toBeLessThanOrEqual(30);
    expect(r.metrics.tls_seconds).toBeGreaterThan(0);
  });

  it('tcp: connect time when listening, refused when not', async () => {
    const up = await tcpProbe.run({ host: '127.0.0.1', port: httpPort }, ctx());
    expect(up.status).toBe('up');
    expect(up.metrics.connect_seconds).toBeGreaterThan(0);
    const down = await tcpProbe.run({ host: '127.0.0.1', port: await freePort() }, ctx());
    expect(down).toMatchObject({ status: 'down', reason: 'refused' });
  });

  it('http(s): repeated runs of one check reuse its client but each run is cold: a new connection and a full TLS handshake', async () => {
    const seen = { http: 0, https: 0, resumed: 0 };
    http.on('connection', () => seen.http++);
    https.on('secureConnection', (s: import('node:tls').TLSSocket) => {
      seen.https++;
      if (s.isSessionReused()) seen.resumed++;
    });
    const plain = { url: `http://127.0.0.1:${httpPort}/` };
    const secure = { url: `https://127.0.0.1:${httpsPort}/`, insecureSkipVerify: true };
    for (let i = 0; i < 3; i++) {
      const a = await httpProbe.run(plain, ctx());
      const b = await httpProbe.run(secure, ctx());
      expect(a.status).toBe('up');
      expect(a.metrics.connect_seconds).toBeGreaterThan(0);
      expect(b.status).toBe('up');
      expect(b.metrics.tls_seconds).toBeGreaterThan(0);
      expect(b.metrics.tls_cert_expiry_days).toBeGreaterThan(25);
    }
    expect(seen).toEqual({ http: 3, https: 3, resumed: 0 });
  });

  it('icmp: several packets to loopback, no loss, an E-model MOS near the G.711 maximum', async () => {
    await icmpProbe.preflight!([]);
    const r = await icmpProbe.run({ host: '127.0.0.1', packets: 4, spacingMs: 20 }, ctx(3000));
    expect(r.status).toBe('up');
    expect(r.metrics.loss_ratio).toBe(0);
    expect(r.metrics.rtt_max_seconds).toBeGreaterThanOrEqual(r.metrics.rtt_min_seconds!);
    expect(r.metrics.mos).toBeGreaterThan(4.3);
    expect(r.metrics.mos).toBeLessThanOrEqual(4.5);
  });

  it('icmp: concurrent checks on the shared raw socket each get exactly their own replies', async () => {
    const rounds = await Promise.all([3, 5, 7, 9].map((packets) => icmpProbe.run({ host: '127.0.0.1', packets, spacingMs: 20 }, ctx(3000))));
    expect(rounds.map((r) => [r.status, r.metrics.loss_ratio])).toEqual([
      ['up', 0],
      ['up', 0],
      ['up', 0],
      ['up', 0],
    ]);
    expect(runtime.pacer.activeLanes()).toEqual([]);
  });

  it("icmp: the kernel filter lets only answers reach the raw socket (no copy of the agent's own echo requests)", async () => {
    const netPing = createRequire(import.meta.url)('net-ping') as {
      createSession(o: object): {
        pingHost(t: string, cb: (e: Error | null) => void): void;
        close(): void;
        getSocket(): { on(ev: 'message', f: (b: Buffer) => void): void; setOption(l: number, o: number, v: Buffer, n: number): void };
      };
    };
    const typesSeen = async (filtered: boolean) => {
      const session = netPing.createSession({ retries: 0, timeout: 1000, sessionId: 4242 + Number(filtered) });
      const socket = session.getSocket();
      if (filtered) expect(filterReplies(socket)).toBe(true);
      const types: number[] = [];
      socket.on('message', (b) => types.push(b[(b[0]! & 0x0f) * 4]!)); // ICMP type after the IPv4 header
      for (let i = 0; i < 3; i++) await new Promise<void>((r) => session.pingHost('127.0.0.1', (e) => (expect(e).toBeNull(), r())));
      session.close();
      return types;
    };
    expect((await typesSeen(false)).filter((t) => t === 8).length).toBeGreaterThan(0); // unfiltered: our requests loop back
    expect(await typesSeen(true)).toEqual([0, 0, 0]); // filtered: echo replies only
  });
});
