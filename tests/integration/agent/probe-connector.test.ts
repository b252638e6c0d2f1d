import { once } from 'node:events';
import { createServer as createHttps, type Server as HttpsServer } from 'node:https';
import { connect, createServer as createTcp, type Server, type Socket } from 'node:net';
import { createSecureContext, type TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probeConnector } from '../../../agent/src/http/probe-connector.js';
import { httpProbe } from '../../../agent/src/probes/http.js';
import { ProbeRuntime } from '../../../agent/src/probes/runtime.js';
import { systemClock } from '../../../shared/clock.js';
import { silentLogger } from '../../../shared/logger.js';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { selfSigned } from '../../helpers/tls.js';

interface Seen {
  servername: string | false | null | undefined;
  alpn: string | false | null;
}

const listen = (s: Server | HttpsServer) => new Promise<number>((r) => s.listen(0, '127.0.0.1', () => r((s.address() as { port: number }).port)));

describe("the HTTP probe's own connector (no TLS session kept, the run's deadline)", () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-connector-'));
  const seen: Seen[] = [];
  let https: HttpsServer;
  let httpsPort = 0;
  // in front of the HTTPS server: passes connections through, or holds them without a byte while `silent`
  let front: Server;
  let frontPort = 0;
  let silent = false;
  const held: Socket[] = [];
  const runtime = new ProbeRuntime();
  const ctx = (timeoutMs = 3000) => ({ signal: AbortSignal.timeout(timeoutMs), timeoutMs, clock: systemClock, logger: silentLogger(), runtime });

  beforeAll(async () => {
    const files = selfSigned(dir);
    const [key, cert] = [readFileSync(files.key), readFileSync(files.cert)];
    // OpenSSL sends two TLS 1.3 session tickets after every handshake by default: a client that asked
    // for them would serialise each one
    https = createHttps({ key, cert, ALPNProtocols: ['http/1.1'] }, (req, res) => {
      const s = req.socket as TLSSocket;
      seen.push({ servername: s.servername, alpn: s.alpnProtocol });
      res.end('ok');
    });
    httpsPort = await listen(https);
    front = createTcp((sock) => {
      sock.on('error', () => undefined);
      // held: read (so its end is seen) and never written to
      if (silent) return void held.push(sock.resume());
      const up = connect(httpsPort, '127.0.0.1');
      up.on('error', () => sock.destroy());
      sock.pipe(up).pipe(sock);
    });
    frontPort = await listen(front);
  });
  afterAll(async () => {
    await runtime.close();
    held.forEach((s) => s.destroy());
    await Promise.all([new Promise((r) => front.close(r)), new Promise((r) => https.close(r))]);
    https.closeAllConnections();
    rmSync(dir, { recursive: true, force: true });
  });

  it('an HTTPS check: up, certificate expiry read, ALPN http/1.1, SNI only for a host name', async () => {
    seen.length = 0;
    const byIp = await httpProbe.run({ url: `https://127.0.0.1:${httpsPort}/`, insecureSkipVerify: true, keyword: 'ok' }, ctx());
    expect(byIp).toMatchObject({ status: 'up' });
    expect(byIp.metrics.tls_cert_expiry_days).toBeGreaterThan(29);
    const byName = await httpProbe.run({ url: `https://localhost:${httpsPort}/`, insecureSkipVerify: true }, ctx());
    expect(byName).toMatchObject({ status: 'up' });
    expect(seen).toEqual([
      { servername: false, alpn: 'http/1.1' },
      { servername: 'localhost', alpn: 'http/1.1' },
    ]);
  });

  it('the TLS socket it hands undici has no session listener (Node serialises every ticket for one) and verifies as asked', async () => {
    const connector = probeConnector({ rejectUnauthorized: true, secureContext: createSecureContext(), lookup: undefined as never, timeoutMs: () => 2000 });
    const got = await new Promise<{ err: Error | null; socket: TLSSocket | null }>((resolve) =>
      connector({ hostname: '127.0.0.1', host: `127.0.0.1:${httpsPort}`, protocol: 'https:', port: String(httpsPort) } as never, (err, socket) =>
        resolve({ err, socket: socket as TLSSocket | null }),
      ),
    );
    // a self-signed certificate with verification on: refused, as undici's connector refuses it
    expect(got.socket).toBeNull();
    expect((got.err as NodeJS.ErrnoException).code).toBe('DEPTH_ZERO_SELF_SIGNED_CERT');
    const lax = probeConnector({ rejectUnauthorized: false, secureContext: createSecureContext(), lookup: undefined as never, timeoutMs: () => 2000 });
    const socket = await new Promise<TLSSocket>((resolve, reject) =>
      lax({ hostname: '127.0.0.1', host: `127.0.0.1:${httpsPort}`, protocol: 'https:', port: String(httpsPort) } as never, (err, s) =>
        err ? reject(err) : resolve(s as TLSSocket),
      ),
    );
    expect(socket.listenerCount('session')).toBe(0);
    expect(socket.alpnProtocol).toBe('http/1.1');
    socket.destroy();
  });

  it('a server that accepts and never answers: a timeout within the run, the connection closed, the next run of the check works', async () => {
    silent = true;
    const options = { url: `https://127.0.0.1:${frontPort}/`, insecureSkipVerify: true };
    const r = await httpProbe.run(options, ctx(300));
    expect(r).toMatchObject({ status: 'down', reason: 'timeout' });
    expect(r.durationMs).toBeLessThan(2000);
    // the probe's side gave up on the connection: the server sees it closed, not left open until the kernel's limit
    expect(held).toHaveLength(1);
    if (!held[0]!.closed) await once(held[0]!, 'close');
    silent = false;
    const again = await httpProbe.run(options, ctx());
    expect(again).toMatchObject({ status: 'up' });
  });
});
