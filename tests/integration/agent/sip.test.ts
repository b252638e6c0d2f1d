import { createSocket } from 'node:dgram';
import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../../shared/clock.js';
import { VigilError } from '../../../shared/errors.js';
import { silentLogger } from '../../../shared/logger.js';
import { parseAgentConfig } from '../../../agent/src/config.js';
import { defaultRegistry } from '../../../agent/src/probes/registry.js';
import { ProbeRuntime } from '../../../agent/src/probes/runtime.js';
import { sipProbe } from '../../../agent/src/probes/sip.js';
import { sipsak, startKamailio, type Kamailio } from '../../helpers/kamailio.js';
import { freePort } from '../../helpers/net.js';

const runtime = new ProbeRuntime();
afterAll(() => runtime.close());
const ctx = (timeoutMs = 3000) => ({ signal: AbortSignal.timeout(timeoutMs), timeoutMs, clock: systemClock, logger: silentLogger(), runtime });
const header = (req: string, name: string) => new RegExp(`^${name}:[ \\t]*(.*?)\\r?$`, 'mi').exec(req)?.[1] ?? '';
/** A response to `req` echoing its Via/From/To/Call-ID/CSeq, as a server would; `callId` forges a foreign one. */
const reply = (req: string, status: string, callId = header(req, 'Call-ID')) =>
  [
    `SIP/2.0 ${status}`,
    `Via: ${header(req, 'Via')}`,
    `From: ${header(req, 'From')}`,
    `To: ${header(req, 'To')};tag=t1`,
    `i: ${callId}`,
    `CSeq: ${header(req, 'CSeq')}`,
    'l: 0',
    '',
    '',
  ].join('\r\n');
const listenTcp = (s: Server) => new Promise<number>((r) => s.listen(0, '127.0.0.1', () => r((s.address() as { port: number }).port)));

describe('sip probe against a real Kamailio', () => {
  let kam: Kamailio;
  beforeAll(async () => {
    kam = await startKamailio();
  });
  afterAll(async () => {
    await kam?.stop();
  });

  it('sipsak, an independent SIP client, gets 200 over UDP and TCP and 404 for nobody', async () => {
    for (const transport of ['udp', 'tcp'] as const) {
      const ok = await sipsak(`sip:ping@127.0.0.1:${kam.port}`, transport);
      expect(ok.exitCode, ok.output).toBe(0);
      expect(ok.output).toContain('SIP/2.0 200 OK');
    }
    const nobody = await sipsak(`sip:nobody@127.0.0.1:${kam.port}`);
    expect(nobody.output).toContain('SIP/2.0 404 Not Found');
  });

  it('OPTIONS over UDP and TCP: up with status 200 and a round-trip time', async () => {
    for (const transport of ['udp', 'tcp'] as const) {
      const r = await sipProbe.run({ host: '127.0.0.1', port: kam.port, transport, uri: `sip:ping@127.0.0.1:${kam.port}` }, ctx());
      expect(r, JSON.stringify(r)).toMatchObject({ status: 'up', metrics: { status_code: 200 } });
      expect(r.metrics.rtt_seconds).toBeGreaterThan(0);
      if (transport === 'tcp') expect(r.metrics.connect_seconds).toBeGreaterThan(0);
    }
  });

  it('the default Request-URI is sip:host:port', async () => {
    const r = await sipProbe.run({ host: '127.0.0.1', port: kam.port }, ctx());
    expect(r).toMatchObject({ status: 'up', metrics: { status_code: 200 } });
  });

  it('a 404 is down with reason status and the code and phrase in the message, on both transports', async () => {
    for (const transport of ['udp', 'tcp'] as const) {
      const r = await sipProbe.run({ host: '127.0.0.1', port: kam.port, transport, uri: `sip:nobody@127.0.0.1:${kam.port}` }, ctx());
      expect(r).toMatchObject({ status: 'down', reason: 'status', metrics: { status_code: 404 } });
      expect(r.message).toContain('404 Not Found');
    }
  });

  it('expectCodes decides: [404] makes the 404 up and the 200 down', async () => {
    const nobody = await sipProbe.run({ host: '127.0.0.1', port: kam.port, uri: `sip:nobody@127.0.0.1:${kam.port}`, expectCodes: [404] }, ctx());
    expect(nobody).toMatchObject({ status: 'up', metrics: { status_code: 404 } });
    const ping = await sipProbe.run({ host: '127.0.0.1', port: kam.port, uri: `sip:ping@127.0.0.1:${kam.port}`, expectCodes: [404] }, ctx());
    expect(ping).toMatchObject({ status: 'down', reason: 'status', metrics: { status_code: 200 } });
  });
});

describe('sip probe failure paths and RFC 3261 details against scripted loopback peers', () => {
  it('nothing listening: UDP is refused (ICMP port unreachable) or times out, TCP is refused', async () => {
    const port = await freePort();
    const udp = await sipProbe.run({ host: '127.0.0.1', port }, ctx(2000));
    expect(udp.status).toBe('down');
    expect(['refused', 'timeout']).toContain(udp.reason);
    const tcp = await sipProbe.run({ host: '127.0.0.1', port, transport: 'tcp' }, ctx());
    expect(tcp).toMatchObject({ status: 'down', reason: 'refused' });
  });

  it('a silent UDP peer: timeout, after identical retransmissions of a well-formed OPTIONS', async () => {
    const sock = createSocket('udp4');
    const seen: string[] = [];
    sock.on('message', (m) => seen.push(m.toString()));
    await new Promise<void>((r) => sock.bind(0, '127.0.0.1', r));
    try {
      // T1 = 500 ms: within 1.6 s the request goes out at 0 and 500 ms (and 1.5 s).
      const r = await sipProbe.run({ host: '127.0.0.1', port: sock.address().port, uri: 'sip:ping@example.test' }, ctx(1600));
      expect(r).toMatchObject({ status: 'down', reason: 'timeout' });
      expect(seen.length).toBeGreaterThanOrEqual(2);
      expect(r.metrics.retransmissions).toBe(seen.length - 1);
      expect(new Set(seen).size).toBe(1); // same branch, Call-ID and CSeq: one transaction
      const req = seen[0]!;
      expect(req.startsWith('OPTIONS sip:ping@example.test SIP/2.0\r\n')).toBe(true);
      expect(req.endsWith('\r\n\r\n')).toBe(true);
      expect(header(req, 'Via')).toMatch(/^SIP\/2\.0\/UDP 127\.0\.0\.1:\d+;branch=z9hG4bK\w+/);
      expect(header(req, 'From')).toMatch(/;tag=\w+/);
      expect(header(req, 'To')).toBe('<sip:ping@example.test>');
      expect(header(req, 'CSeq')).toBe('1 OPTIONS');
      expect(header(req, 'Max-Forwards')).toBe('70');
      expect(header(req, 'Content-Length')).toBe('0');
      for (const h of ['Call-ID', 'Contact']) expect(header(req, h)).not.toBe('');
    } finally {
      sock.close();
    }
  });

  it('UDP: a foreign Call-ID and a 100 Trying are ignored; the final 486 decides', async () => {
    const sock = createSocket('udp4');
    sock.on('message', (m, from) => {
      const req = m.toString();
      for (const res of [reply(req, '200 OK', 'someone-else@x'), reply(req, '100 Trying'), reply(req, '486 Busy Here')])
        sock.send(res, from.port, from.address);
    });
    await new Promise<void>((r) => sock.bind(0, '127.0.0.1', r));
    try {
      const r = await sipProbe.run({ host: '127.0.0.1', port: sock.address().port }, ctx());
      expect(r).toMatchObject({ status: 'down', reason: 'status', metrics: { status_code: 486 } });
      expect(r.message).toContain('486 Busy Here');
    } finally {
      sock.close();
    }
  });

  it('TCP: a response split across writes is reassembled; a non-SIP answer is a protocol failure', async () => {
    const split = createServer((c) =>
      c.on('data', (d) => {
        const res = `\r\n${reply(d.toString(), '200 OK').replace('l: 0', 'Content-Type: text/plain\r\nl: 5')}hello`;
        c.write(res.slice(0, 40));
        setTimeout(() => c.write(res.slice(40)), 50);
      }),
    );
    const http = createServer((c) => c.on('data', () => c.end('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n')));
    try {
      const ok = await sipProbe.run({ host: '127.0.0.1', port: await listenTcp(split), transport: 'tcp' }, ctx());
      expect(ok).toMatchObject({ status: 'up', metrics: { status_code: 200 } });
      const bad = await sipProbe.run({ host: '127.0.0.1', port: await listenTcp(http), transport: 'tcp' }, ctx());
      expect(bad).toMatchObject({ status: 'down', reason: 'protocol' });
      expect(bad.message).toContain('HTTP/1.1 400');
    } finally {
      split.close();
      http.close();
    }
  });
});

describe('sip check config', () => {
  it('parseAgentConfig lists port 70000 and an unknown transport with their paths', () => {
    const raw = {
      collector: { url: 'http://127.0.0.1:1' },
      stateDir: '/tmp/x',
      checks: [
        { id: 's1', type: 'sip', host: 'pbx.example', port: 70000 },
        { id: 's2', type: 'sip', host: 'pbx.example', transport: 'sctp' },
      ],
    };
    let err: unknown;
    try {
      parseAgentConfig(raw, 'agent.yaml', defaultRegistry());
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(VigilError);
    const paths = (err as VigilError).problems.map((p) => p.path);
    expect(paths).toContain('/checks/0/port');
    expect(paths).toContain('/checks/1/transport');
  });
});
