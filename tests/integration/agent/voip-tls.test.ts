import { execFileSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:tls';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../../shared/clock.js';
import { silentLogger } from '../../../shared/logger.js';
import { tlsProbe } from '../../../agent/src/probes/tls.js';
import { judgeQuality } from '../../../agent/src/probes/quality.js';
import { ProbeRuntime } from '../../../agent/src/probes/runtime.js';
import { voipProbe } from '../../../agent/src/probes/voip.js';
import { startEchoResponder } from '../../../agent/src/voip/responder.js';
import { loadNativeAddon } from '../../../agent/src/native.js';
import { freePort, tempDir } from '../../helpers/net.js';

const runtime = new ProbeRuntime();
const ctx = (timeoutMs = 5000) => ({ signal: AbortSignal.timeout(timeoutMs), timeoutMs, clock: systemClock, logger: silentLogger(), runtime });
const dir = tempDir();
afterAll(async () => {
  await runtime.close();
  dir.remove();
});
const activeLanes = () => runtime.pacer.activeLanes();

// Both stream engines (agent/src/voip/stream.ts): the native thread with kernel timestamps
// (agent/native, what the agent uses when it is built) and the JavaScript one (the fallback).
describe.each(['native', 'js'] as const)('VoIP path quality against a real UDP echo responder (%s engine)', (engine) => {
  beforeEach(() => {
    process.env.VIGIL_VOIP_ENGINE = engine;
    if (engine === 'native') expect(loadNativeAddon()?.voipStream, 'agent/native not built (npm ci builds it)').toBeTypeOf('function');
  });
  afterEach(() => {
    delete process.env.VIGIL_VOIP_ENGINE;
  });

  it('a clean loopback path scores MOS ≥ 4.3 (excellent)', async () => {
    const r = await startEchoResponder({ host: '127.0.0.1', port: 0 });
    const res = await voipProbe.run({ host: '127.0.0.1', port: r.port, packets: 50 }, ctx());
    await r.close();
    expect(res.status).toBe('up');
    expect(res.metrics.loss_ratio).toBe(0);
    expect(res.metrics.mos).toBeGreaterThanOrEqual(4.3);
  });

  it('an impaired path (15 % loss, 120–200 ms delay): the probe measures MOS below 3.5, the judge makes it degraded', async () => {
    const sock = createSocket('udp4');
    let n = 0;
    sock.on('message', (m, from) => {
      if (n++ % 7 === 3) return; // drop about one in seven
      setTimeout(() => sock.send(m, from.port, from.address), 240 + (n % 5) * 40); // one-way ≈ RTT/2 = 120–200 ms, jittery
    });
    await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
    const o = { host: '127.0.0.1', port: sock.address().port, packets: 50 };
    const measured = await voipProbe.run(o, ctx());
    sock.close();
    expect(measured.status).toBe('up');
    expect(measured.metrics.loss_ratio).toBeGreaterThan(0.1);
    expect(measured.metrics.mos).toBeLessThan(3.5);
    expect(judgeQuality(o, measured)).toMatchObject({ status: 'degraded', reason: 'mos', message: `MOS ${measured.metrics.mos!.toFixed(2)} below 3.5` });
  });

  it('sends RTP-sized G.711 packets: RTP v2, PT 0, sequence and timestamp per packet, SSRC, silence payload', async () => {
    const sock = createSocket('udp4');
    const got: Buffer[] = [];
    sock.on('message', (m, from) => {
      got.push(Buffer.from(m));
      sock.send(m, from.port, from.address);
    });
    await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
    const res = await voipProbe.run({ host: '127.0.0.1', port: sock.address().port, packets: 6, intervalMs: 5 }, ctx());
    sock.close();
    expect(res.status).toBe('up');
    expect(got.map((p) => p.readUInt16BE(2))).toEqual([0, 1, 2, 3, 4, 5]);
    for (const [i, p] of got.entries()) {
      expect(p.length).toBe(172); // 12-byte RTP header + 20 ms of 8 kHz G.711
      expect([p[0], p[1]]).toEqual([0x80, 0]); // version 2, no padding/extension/CSRC, marker 0, payload type 0 (PCMU)
      expect(p.readUInt32BE(4)).toBe(i * 160); // RTP timestamp advances 160 samples per packet
      expect(p.subarray(8, 12).toString('latin1')).toBe('VIGI');
      expect(p.subarray(12).every((b) => b === 0xff)).toBe(true);
    }
  });

  it("a host name is resolved like Node's udp4 socket does (localhost → 127.0.0.1)", async () => {
    const r = await startEchoResponder({ host: '127.0.0.1', port: 0 });
    const res = await voipProbe.run({ host: 'localhost', port: r.port, packets: 5, intervalMs: 10 }, ctx());
    await r.close();
    expect(res).toMatchObject({ status: 'up', metrics: { loss_ratio: 0, packets_sent: 5 } });
  });

  it('nothing listening: down, refused (port unreachable on the connected socket), naming the responder', async () => {
    const res = await voipProbe.run({ host: '127.0.0.1', port: await freePort(), packets: 5, intervalMs: 20 }, ctx());
    expect(res).toMatchObject({ status: 'down', reason: 'refused' });
    expect(res.message).toMatch(/vigil agent responder/);
  });

  it('a far end that swallows every packet: down with loss', async () => {
    const sink = createSocket('udp4');
    await new Promise<void>((r) => sink.bind(0, '127.0.0.1', () => r()));
    const res = await voipProbe.run({ host: '127.0.0.1', port: sink.address().port, packets: 5, intervalMs: 20 }, ctx());
    sink.close();
    expect(res).toMatchObject({ status: 'down', reason: 'loss', metrics: { loss_ratio: 1 } });
  });

  it('concurrent streams on the shared pacer each get all their packets back, and no pacer timer is left', async () => {
    const r = await startEchoResponder({ host: '127.0.0.1', port: 0 });
    const res = await Promise.all([30, 40, 50].map((packets) => voipProbe.run({ host: '127.0.0.1', port: r.port, packets }, ctx())));
    await r.close();
    expect(res.map((x) => [x.status, x.metrics.loss_ratio, x.metrics.packets_sent])).toEqual([
      ['up', 0, 30],
      ['up', 0, 40],
      ['up', 0, 50],
    ]);
    expect(activeLanes()).toEqual([]);
  });

  it('a stopped check ends its stream at once with what came back so far', async () => {
    const r = await startEchoResponder({ host: '127.0.0.1', port: 0 });
    const c = new AbortController();
    let lanesMidStream: number[] = [];
    setTimeout(() => {
      lanesMidStream = activeLanes();
      c.abort();
    }, 150);
    const res = await voipProbe.run({ host: '127.0.0.1', port: r.port, packets: 500 }, { ...ctx(), signal: c.signal });
    await r.close();
    expect(lanesMidStream).toEqual(engine === 'native' ? [] : [20]); // the native thread paces its own packets
    expect(res.metrics.packets_sent).toBeGreaterThan(0);
    expect(res.metrics.packets_sent).toBeLessThan(500);
    expect(activeLanes()).toEqual([]);
  });

  it("round-trip time includes the far end's delay (a responder that holds each echo 40 ms)", async () => {
    const sock = createSocket('udp4');
    sock.on('message', (m, from) => setTimeout(() => sock.send(m, from.port, from.address), 40));
    await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
    const res = await voipProbe.run({ host: '127.0.0.1', port: sock.address().port, packets: 10 }, ctx());
    sock.close();
    expect(res.metrics.rtt_avg_seconds).toBeGreaterThanOrEqual(0.04);
    expect(res.metrics.loss_ratio).toBe(0);
  });
});

describe('TLS certificate probe', () => {
  const serve = async (days: number) => {
    const key = join(dir.path, `k${days}.pem`);
    const cert = join(dir.path, `c${days}.pem`);
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', String(days), '-subj', '/CN=localhost'], {
      stdio: 'ignore',
    });
    const server = createServer({ key: readFileSync(key), cert: readFileSync(cert) }, (s) => s.end());
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    return { server, port: (server.address() as { port: number }).port };
  };

  it('reports days to expiry: up when far, degraded inside warnDays, tls failure when the chain does not verify, refused when closed', async () => {
    const far = await serve(90);
    const soon = await serve(3);
    const up = await tlsProbe.run({ host: '127.0.0.1', port: far.port, insecureSkipVerify: true }, ctx());
    expect(up.status).toBe('up');
    expect(up.metrics.tls_cert_expiry_days).toBeGreaterThan(89);
    expect(up.metrics.handshake_seconds).toBeGreaterThan(0);
    const soonCheck = { host: '127.0.0.1', port: soon.port, insecureSkipVerify: true, warnDays: 14 };
    const warn = await tlsProbe.run(soonCheck, ctx());
    expect(warn.status).toBe('up'); // the probe measures; inside warnDays is the judge's verdict
    expect(judgeQuality(soonCheck, warn)).toMatchObject({
      status: 'degraded',
      reason: 'expiry',
      message: expect.stringMatching(/^certificate expires in [23]\.\d days$/),
    });
    expect(judgeQuality({ ...soonCheck, warnDays: 2 }, warn).status).toBe('up');
    expect((await tlsProbe.run({ host: '127.0.0.1', port: far.port }, ctx())).reason).toBe('tls');
    expect((await tlsProbe.run({ host: '127.0.0.1', port: await freePort() }, ctx())).reason).toBe('refused');
    far.server.close();
    soon.server.close();
  });

  it('walks the chain the server sends: a CA that expires before the leaf sets the chain expiry (and degrades)', async () => {
    const f = (n: string) => join(dir.path, n);
    const ssl = (...a: string[]) => execFileSync('openssl', a, { stdio: 'ignore' });
    ssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', f('ca.key'), '-out', f('ca.pem'), '-days', '5', '-subj', '/CN=Vigil Test CA');
    ssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', f('leaf.key'), '-out', f('leaf.csr'), '-subj', '/CN=localhost');
    ssl('x509', '-req', '-in', f('leaf.csr'), '-CA', f('ca.pem'), '-CAkey', f('ca.key'), '-CAcreateserial', '-out', f('leaf.pem'), '-days', '60');
    const server = createServer({ key: readFileSync(f('leaf.key')), cert: readFileSync(f('leaf.pem'), 'utf8') + readFileSync(f('ca.pem'), 'utf8') }, (s) =>
      s.end(),
    );
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const o = { host: '127.0.0.1', port: (server.address() as { port: number }).port, insecureSkipVerify: true, warnDays: 14 };
    const r = judgeQuality(o, await tlsProbe.run(o, ctx()));
    server.close();
    expect(r.metrics.tls_cert_expiry_days).toBeGreaterThan(59);
    expect(r.metrics.tls_chain_expiry_days).toBeGreaterThan(4);
    expect(r.metrics.tls_chain_expiry_days).toBeLessThanOrEqual(5);
    expect(r).toMatchObject({ status: 'degraded', reason: 'expiry' });
  });
});
