import { createServer as createNetServer, type Socket } from 'node:net';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import { afterEach, describe, expect, it } from 'vitest';
import type { EmailChannelConfig } from '../../../collector/src/notify/channel-config.js';
import { emailChannel } from '../../../collector/src/notify/email.js';
import { freePort } from '../../helpers/net.js';
import { never, resolvedMessage, sampleMessage } from './receiver.js';

interface Received {
  from: string;
  to: string[];
  raw: string;
}

const stops: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(stops.splice(0).map((s) => s()));
});

/** A real SMTP server (smtp-server) on 127.0.0.1, plain text with AUTH, recording each message. */
async function startSmtp(extra: Partial<SMTPServerOptions> = {}): Promise<{ port: number; received: Received[] }> {
  const received: Received[] = [];
  const server = new SMTPServer({
    disabledCommands: ['STARTTLS'],
    allowInsecureAuth: true,
    authOptional: true,
    logger: false,
    onAuth(auth, _session, cb) {
      if (auth.username === 'vigil' && auth.password === 'pw') cb(null, { user: 'vigil' });
      else cb(Object.assign(new Error('Authentication credentials invalid'), { responseCode: 535 }));
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream
        .on('data', (c: Buffer) => chunks.push(c))
        .on('end', () => {
          const env = session.envelope;
          received.push({ from: env.mailFrom ? env.mailFrom.address : '', to: env.rcptTo.map((r) => r.address), raw: Buffer.concat(chunks).toString('utf8') });
          cb();
        });
    },
    ...extra,
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', () => resolve()));
  stops.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { port, received };
}

/** A TCP server that accepts connections and never says a word (no SMTP greeting). */
async function startSilent(): Promise<number> {
  const sockets: Socket[] = [];
  const silent = createNetServer((s) => void sockets.push(s));
  const port = await freePort();
  await new Promise<void>((resolve) => silent.listen(port, '127.0.0.1', () => resolve()));
  stops.push(
    () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        silent.close(() => resolve());
      }),
  );
  return port;
}

const cfg = (port: number, over: Partial<EmailChannelConfig> = {}): EmailChannelConfig => ({
  type: 'email',
  name: 'noc-mail',
  host: '127.0.0.1',
  port,
  secure: false,
  auth: { user: 'vigil', pass: 'pw' },
  from: 'Vigil <vigil@msp.example>',
  to: ['noc@msp.example', 'oncall@msp.example'],
  timeout: '5s',
  ...over,
});

const header = (raw: string, name: string) => new RegExp(`^${name}: (.*)$`, 'mi').exec(raw)?.[1]?.trim();

describe('email channel', () => {
  it('delivers subject = title, from, to, a text and an HTML part, and the delivery headers', async () => {
    const smtp = await startSmtp();
    const res = await emailChannel(cfg(smtp.port)).send(sampleMessage(), '42-incident.opened-noc-mail', never());
    expect(res).toEqual({ ok: true, status: 250 });
    expect(smtp.received).toHaveLength(1);
    const m = smtp.received[0]!;
    expect(m.from).toBe('vigil@msp.example');
    expect(m.to).toEqual(['noc@msp.example', 'oncall@msp.example']);
    expect(header(m.raw, 'Subject')).toBe('DOWN acme/network (p1)');
    expect(header(m.raw, 'From')).toBe('Vigil <vigil@msp.example>');
    expect(header(m.raw, 'To')).toBe('noc@msp.example, oncall@msp.example');
    expect(header(m.raw, 'X-Vigil-Delivery')).toBe('42-incident.opened-noc-mail');
    expect(header(m.raw, 'X-Vigil-Event')).toBe('incident.opened');
    expect(header(m.raw, 'Auto-Submitted')).toBe('auto-generated');
    expect(header(m.raw, 'Message-ID')).toMatch(/^<vigil\.[0-9a-f]{32}@msp\.example>$/);
    expect(header(m.raw, 'References')).toBe('<vigil.incident.42@msp.example>');
    expect(m.raw).toMatch(/Content-Type: multipart\/alternative/i);
    expect(m.raw).toMatch(/Content-Type: text\/plain/i);
    expect(m.raw).toMatch(/Content-Type: text\/html/i);
    const flat = m.raw.replace(/=\r?\n/g, ''); // undo quoted-printable soft breaks
    expect(flat).toContain('acme/network is down since 2026-10-05 10:00:00 UTC.');
    expect(flat).toContain('Members down: fw-1, sw-1');
    expect(flat).toContain('Acknowledge: https://vigil.example/ack/abc');
    expect(flat).toContain('>Acknowledge</a>');
  });

  it('a retry of the same delivery carries the same Message-ID; another delivery does not', async () => {
    const smtp = await startSmtp();
    const ch = emailChannel(cfg(smtp.port));
    await ch.send(sampleMessage(), 'same-id', never());
    await ch.send(sampleMessage(), 'same-id', never());
    await ch.send(resolvedMessage(), 'other-id', never());
    const ids = smtp.received.map((m) => header(m.raw, 'Message-ID'));
    expect(ids[0]).toBe(ids[1]);
    expect(ids[2]).not.toBe(ids[0]);
    expect(smtp.received[2]!.raw.replace(/=\r?\n/g, '')).not.toContain('>Acknowledge</a>'); // resolved: nothing to acknowledge
  });

  it('RCPT rejected with 550 is permanent', async () => {
    const smtp = await startSmtp({ onRcptTo: (_a, _s, cb) => cb(Object.assign(new Error('5.1.1 mailbox unavailable'), { responseCode: 550 })) });
    const res = await emailChannel(cfg(smtp.port, { to: ['gone@msp.example'] })).send(sampleMessage(), 'd', never());
    expect(res).toMatchObject({ ok: false, status: 550, permanent: true });
    expect(res.error).toContain('mailbox unavailable');
    expect(smtp.received).toHaveLength(0);
  });

  it('one of two recipients rejected: delivered to the other, not resent, the rejection in the error', async () => {
    const smtp = await startSmtp({
      onRcptTo: (a, _s, cb) => cb(a.address === 'gone@msp.example' ? Object.assign(new Error('no such user'), { responseCode: 550 }) : undefined),
    });
    const res = await emailChannel(cfg(smtp.port, { to: ['gone@msp.example', 'noc@msp.example'] })).send(sampleMessage(), 'd', never());
    expect(res).toEqual({ ok: true, status: 250, error: 'accepted for 1, rejected: gone@msp.example' });
    expect(smtp.received.map((m) => m.to)).toEqual([['noc@msp.example']]);
  });

  it('RCPT deferred with 451 is retryable', async () => {
    const smtp = await startSmtp({ onRcptTo: (_a, _s, cb) => cb(Object.assign(new Error('4.7.1 greylisted, try again later'), { responseCode: 451 })) });
    const res = await emailChannel(cfg(smtp.port, { to: ['noc@msp.example'] })).send(sampleMessage(), 'd', never());
    expect(res).toMatchObject({ ok: false, status: 451 });
    expect(res.permanent).toBeUndefined();
    expect(res.error).toContain('greylisted');
  });

  it('wrong credentials (535) are permanent', async () => {
    const smtp = await startSmtp();
    const res = await emailChannel(cfg(smtp.port, { auth: { user: 'vigil', pass: 'wrong' } })).send(sampleMessage(), 'd', never());
    expect(res).toMatchObject({ ok: false, status: 535, permanent: true });
  });

  it('a server that accepts the connection but never greets: not ok within the timeout', async () => {
    const port = await startSilent();
    const started = Date.now();
    const res = await emailChannel(cfg(port, { timeout: '400ms' })).send(sampleMessage(), 'd', never());
    expect(res).toEqual({ ok: false, error: 'timeout after 400 ms' });
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it("the caller's signal stops the wait for a silent server", async () => {
    const port = await startSilent();
    const ctl = new AbortController();
    setTimeout(() => ctl.abort(new Error('shutdown')), 100);
    const res = await emailChannel(cfg(port, { timeout: '30s' })).send(sampleMessage(), 'd', ctl.signal);
    expect(res).toEqual({ ok: false, error: 'aborted: shutdown' });
  });

  it('nothing listening is retryable, with the error text', async () => {
    const port = await freePort();
    const res = await emailChannel(cfg(port)).send(sampleMessage(), 'd', never());
    expect(res.ok).toBe(false);
    expect(res.permanent).toBeUndefined();
    expect(res.error).toMatch(/ECONNREFUSED/);
  });
});
