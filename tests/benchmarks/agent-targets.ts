/**
 * Loopback targets for bench:agent: an HTTP and an HTTPS server (self-signed
 * certificate made with openssl), a TCP listener, a UDP DNS server (dns-packet), a real
 * Kamailio for SIP OPTIONS, and the VoIP echo responder as its own `vigil agent responder`
 * process. Everything on 127.0.0.1, nothing else.
 */
import { execFileSync } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { createServer as createHttp, type Server as HttpServer } from 'node:http';
import { createServer as createHttps } from 'node:https';
import { createServer as createTcp, type Server as TcpServer } from 'node:net';
import { join } from 'node:path';
import dnsPacket from 'dns-packet';
import { startKamailio, type Kamailio } from '../helpers/kamailio.js';
import { freePort, startChild, waitFor, type Child } from '../helpers/net.js';

export interface Targets {
  httpPort: number;
  httpsPort: number;
  tcpPort: number;
  voipPort: number;
  /** 0 when not started (no dns/sip probe in the registry). */
  dnsPort: number;
  sipPort: number;
  /** HTTP requests and DNS queries answered: proof the checks really ran. */
  requests(): number;
  dnsQueries(): number;
  close(): Promise<void>;
}

const listen = (s: HttpServer | TcpServer) =>
  new Promise<number>((resolve, reject) => {
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => resolve((s.address() as { port: number }).port));
  });
const close = (s: HttpServer | TcpServer) =>
  new Promise<void>((resolve) => {
    if ('closeAllConnections' in s) s.closeAllConnections();
    s.close(() => resolve());
  });

/** A self-signed certificate for 127.0.0.1 / localhost in `dir`. */
export function selfSignedCert(dir: string): { key: Buffer; cert: Buffer } {
  const key = join(dir, 'key.pem');
  const cert = join(dir, 'cert.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-days',
      '365',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=IP:127.0.0.1,DNS:localhost',
      '-keyout',
      key,
      '-out',
      cert,
    ],
    { stdio: 'ignore' },
  );
  return { key: readFileSync(key), cert: readFileSync(cert) };
}

/** Answers A and MX for *.bench.test; NXDOMAIN for anything else. */
async function startDns(): Promise<{ sock: Socket; port: number; queries(): number }> {
  const sock = createSocket('udp4');
  let queries = 0;
  sock.on('message', (msg, from) => {
    const query = dnsPacket.decode(msg);
    const q = query.questions?.[0];
    if (!q) return;
    queries++;
    const known = q.name.toLowerCase().endsWith('.bench.test');
    const answers: dnsPacket.Answer[] = !known
      ? []
      : q.type === 'A'
        ? [{ name: q.name, ttl: 60, type: 'A', data: '192.0.2.10' }]
        : q.type === 'MX'
          ? [{ name: q.name, ttl: 60, type: 'MX', data: { preference: 10, exchange: 'mail.bench.test' } }]
          : [];
    sock.send(
      dnsPacket.encode({ type: 'response', id: query.id, flags: dnsPacket.AUTHORITATIVE_ANSWER | (known ? 0 : 3), questions: [q], answers }),
      from.port,
      from.address,
    );
  });
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', r));
  return { sock, port: sock.address().port, queries: () => queries };
}

export async function startTargets(dir: string, vigil: string, want: { dns: boolean; sip: boolean }): Promise<Targets> {
  let requests = 0;
  const handler = (req: { url?: string }, res: { end(s: string): void }) => {
    requests++;
    res.end(req.url === '/health' ? '{"status":"ok"}' : 'ok: vigil bench target');
  };
  const http = createHttp(handler);
  const https = createHttps(selfSignedCert(dir), handler);
  const tcp = createTcp((s) => s.end());
  const started: Array<HttpServer | TcpServer> = [];
  let responder: Child | undefined;
  let dns: Awaited<ReturnType<typeof startDns>> | undefined;
  let kamailio: Kamailio | undefined;
  const stop = async () => {
    await responder?.stop();
    await kamailio?.stop();
    dns?.sock.close();
    await Promise.all(started.map(close));
  };
  try {
    const httpPort = await listen(http);
    started.push(http);
    const httpsPort = await listen(https);
    started.push(https);
    const tcpPort = await listen(tcp);
    started.push(tcp);
    const voipPort = await freePort();
    responder = startChild('node', [vigil, 'agent', 'responder', '--host', '127.0.0.1', '--port', String(voipPort)]);
    await waitFor(() => responder!.output().includes('responder listening') || undefined, 'VoIP responder', 15_000);
    if (want.dns) dns = await startDns();
    if (want.sip) kamailio = await startKamailio();
    return {
      httpPort,
      httpsPort,
      tcpPort,
      voipPort,
      dnsPort: dns?.port ?? 0,
      sipPort: kamailio?.port ?? 0,
      requests: () => requests,
      dnsQueries: () => dns?.queries() ?? 0,
      close: stop,
    };
  } catch (e) {
    await stop();
    throw e;
  }
}
