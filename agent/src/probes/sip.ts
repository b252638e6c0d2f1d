import { createSocket } from 'node:dgram';
import { lookup } from 'node:dns/promises';
import { connect } from 'node:net';
import { Type } from 'typebox';
import { classifyError } from './classify-error.js';
import { buildOptions, hostPort, isResponseTo, newTransaction, parseResponse, takeMessage, type SipResponse } from './sip-message.js';
import { defineProbe, type FailureReason, type ProbeContext, type ProbeResult } from './types.js';

const Options = Type.Object(
  {
    host: Type.String({ minLength: 1 }),
    port: Type.Optional(Type.Integer({ minimum: 1, maximum: 65535 })),
    transport: Type.Optional(Type.Enum(['udp', 'tcp'])),
    /** Request-URI and To; default `sip:host:port`. */
    uri: Type.Optional(Type.String({ pattern: '^sip:\\S+$' })),
    /** Final codes that count as up; default any 2xx. Many PBXs answer OPTIONS with 404 or 405. */
    expectCodes: Type.Optional(Type.Array(Type.Integer({ minimum: 200, maximum: 699 }), { minItems: 1 })),
  },
  { additionalProperties: false },
);

/** RFC 3261 §17.1.2.2 timers for a non-INVITE client transaction over UDP. */
const T1_MS = 500;
const T2_MS = 4000;

interface Target {
  host: string;
  port: number;
  uri: string;
}
type Exchange =
  | { ok: true; res: SipResponse; rttMs: number; extra: Record<string, number> }
  | { ok: false; reason: FailureReason; message: string; extra: Record<string, number> };

/** SIP OPTIONS ping ("is the PBX/SBC/trunk answering?"): round-trip time and the final status code. */
export const sipProbe = defineProbe({
  type: 'sip',
  options: Options,
  describe: (o) => `${o.transport ?? 'udp'}://${hostPort(o.host, o.port ?? 5060)}${o.uri ? ` ${o.uri}` : ''}`,
  async run(o, ctx): Promise<ProbeResult> {
    const t0 = performance.now();
    const port = o.port ?? 5060;
    const target = { host: o.host, port, uri: o.uri ?? `sip:${hostPort(o.host, port)}` };
    const x = o.transport === 'tcp' ? await overTcp(target, ctx) : await overUdp(target, ctx);
    const durationMs = performance.now() - t0;
    if (!x.ok) return { status: 'down', reason: x.reason, message: `${hostPort(o.host, port)}: ${x.message}`, durationMs, metrics: x.extra };
    const { code, reason } = x.res;
    const metrics = { ...x.extra, rtt_seconds: x.rttMs / 1000, status_code: code };
    const ok = o.expectCodes ? o.expectCodes.includes(code) : code >= 200 && code < 300;
    if (!ok)
      return { status: 'down', reason: 'status', message: `SIP ${code} ${reason} (expected ${o.expectCodes?.join(', ') ?? '2xx'})`, durationMs, metrics };
    return { status: 'up', durationMs, metrics };
  },
});

/**
 * UDP: a connected socket, so an ICMP port unreachable comes back as ECONNREFUSED; the same
 * request (same branch) is retransmitted at T1, 2·T1 … capped at T2 until the check's timeout.
 * rtt_seconds counts from the first transmission: a lost datagram is latency the user sees.
 */
async function overUdp(t: Target, ctx: ProbeContext): Promise<Exchange> {
  let addr: { address: string; family: number };
  try {
    addr = await lookup(t.host);
  } catch (e) {
    return { ok: false, ...classifyError(e, ctx.signal), extra: {} };
  }
  return new Promise((resolve) => {
    const tx = newTransaction();
    const sock = createSocket(addr.family === 6 ? 'udp6' : 'udp4');
    let request: Buffer | undefined;
    let firstSentAt = 0;
    let sent = 0;
    let interval = T1_MS;
    let timer: NodeJS.Timeout | undefined;
    let done = false;
    const finish = (x: Exchange) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      ctx.signal.removeEventListener('abort', onAbort);
      sock.close();
      resolve({ ...x, extra: { ...x.extra, retransmissions: Math.max(0, sent - 1) } });
    };
    const fail = (e: unknown) => {
      const { reason, message } = classifyError(e, ctx.signal);
      finish({
        ok: false,
        reason,
        message: reason === 'refused' ? `ICMP port unreachable: nothing listens on this UDP port (${message})` : message,
        extra: {},
      });
    };
    const onAbort = () => finish({ ok: false, reason: 'timeout', message: `no final response within ${ctx.timeoutMs} ms (${sent} transmissions)`, extra: {} });
    const transmit = () => {
      if (done || !request) return;
      sent++;
      sock.send(request, (err) => err && fail(err));
      timer = setTimeout(transmit, interval);
      interval = Math.min(interval * 2, T2_MS);
    };
    sock.on('error', fail);
    sock.on('message', (buf) => {
      const res = parseResponse(buf.toString('utf8'));
      if (typeof res === 'string') return finish({ ok: false, reason: 'protocol', message: res, extra: {} });
      if (!isResponseTo(res, tx)) return; // a late answer to some other transaction
      // A provisional answer means the server has the request: keep retransmitting, but only every T2.
      if (res.code < 200) return void (interval = T2_MS);
      finish({ ok: true, res, rttMs: performance.now() - firstSentAt, extra: {} });
    });
    ctx.signal.addEventListener('abort', onAbort, { once: true });
    if (ctx.signal.aborted) return onAbort();
    sock.connect(t.port, addr.address, () => {
      if (done) return;
      const local = sock.address();
      request = buildOptions({ uri: t.uri, transport: 'udp', localAddress: local.address, localPort: local.port, tx });
      firstSentAt = performance.now();
      transmit();
    });
  });
}

/** TCP: one request on a fresh connection, responses framed by Content-Length; no retransmission (reliable). */
function overTcp(t: Target, ctx: ProbeContext): Promise<Exchange> {
  return new Promise((resolve) => {
    const tx = newTransaction();
    const t0 = performance.now();
    let sentAt = 0;
    let pending: Buffer = Buffer.alloc(0);
    let done = false;
    const extra: Record<string, number> = {};
    const sock = connect({ host: t.host, port: t.port });
    const finish = (x: Exchange) => {
      if (done) return;
      done = true;
      ctx.signal.removeEventListener('abort', onAbort);
      sock.destroy();
      resolve({ ...x, extra: { ...extra, ...x.extra } });
    };
    const onAbort = () => finish({ ok: false, reason: 'timeout', message: `no final response within ${ctx.timeoutMs} ms`, extra: {} });
    const protocolError = (message: string) => finish({ ok: false, reason: 'protocol', message, extra: {} });
    ctx.signal.addEventListener('abort', onAbort, { once: true });
    if (ctx.signal.aborted) return onAbort();
    sock.once('connect', () => {
      extra.connect_seconds = (performance.now() - t0) / 1000;
      sentAt = performance.now();
      sock.write(buildOptions({ uri: t.uri, transport: 'tcp', localAddress: sock.localAddress!, localPort: sock.localPort!, tx }));
    });
    sock.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      for (let m = takeMessage(pending); m !== undefined; m = takeMessage(pending)) {
        if ('malformed' in m) return protocolError(m.malformed);
        pending = m.rest;
        const res = parseResponse(m.message);
        if (typeof res === 'string') return protocolError(res);
        if (isResponseTo(res, tx) && res.code >= 200) return finish({ ok: true, res, rttMs: performance.now() - sentAt, extra: {} });
      }
    });
    sock.on('error', (e) => finish({ ok: false, ...classifyError(e, ctx.signal), extra: {} }));
    // A close without a final response (after connect) is a server that does not speak SIP to us.
    sock.on('close', () => protocolError('connection closed before a final response'));
  });
}
