import { Client } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../shared/clock.js';
import { httpPost, parseRetryAfter } from '../../../collector/src/notify/http-post.js';
import { webhookChannel } from '../../../collector/src/notify/webhook.js';
import { freePort } from '../../helpers/net.js';
import { never, sampleMessage, startReceiver, type Receiver, type Reply } from './receiver.js';

/** One send through a real channel against a receiver that misbehaves in one way. */
const open: Receiver[] = [];
async function sendTo(reply: Reply, timeout = '2s', signal = never()) {
  const r = await startReceiver(reply);
  open.push(r);
  const ch = webhookChannel({ type: 'webhook', name: 'ops', url: r.url, timeout });
  return { res: await ch.send(sampleMessage(), 'd', signal), r };
}
afterEach(async () => {
  await Promise.all(open.splice(0).map((r) => r.close()));
});

describe('one delivery attempt over HTTP', () => {
  it('a receiver that never answers: not ok, "timeout", within the timeout plus slack', async () => {
    const started = Date.now();
    const { res, r } = await sendTo(() => undefined /* never replies */, '300ms');
    expect(res).toEqual({ ok: false, error: 'timeout after 300 ms' });
    expect(r.requests).toHaveLength(1); // it did arrive: the wait was for the answer
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it("the caller's signal aborts a hanging attempt before the channel's own timeout", async () => {
    const ctl = new AbortController();
    setTimeout(() => ctl.abort(new Error('outbox stopping')), 100);
    const { res } = await sendTo(() => undefined, '30s', ctl.signal);
    expect(res).toEqual({ ok: false, error: 'aborted: outbox stopping' });
  });

  it('500 is retryable', async () => {
    const { res } = await sendTo((_q, s) => void s.writeHead(500).end('boom'));
    expect(res).toEqual({ ok: false, status: 500, error: 'HTTP 500: boom' });
  });

  it('429 with Retry-After: 7 asks for 7000 ms, retryable', async () => {
    const { res } = await sendTo((_q, s) => void s.writeHead(429, { 'retry-after': '7' }).end());
    expect(res).toEqual({ ok: false, status: 429, error: 'HTTP 429', retryAfterMs: 7000 });
  });

  it('503 with Retry-After as an HTTP date is measured from the injected clock', async () => {
    const clock = new ManualClock(Date.parse('2026-10-05T10:00:00Z'));
    const r = await startReceiver((_q, s) => void s.writeHead(503, { 'retry-after': 'Mon, 05 Oct 2026 10:00:30 GMT' }).end());
    open.push(r);
    const res = await httpPost({ url: r.url, body: '{}', timeoutMs: 2000, clock });
    expect(res).toMatchObject({ ok: false, status: 503, retryAfterMs: 30_000 });
    expect(res.permanent).toBeUndefined();
  });

  it('400 is permanent; 401/404 too; 408 is not', async () => {
    expect((await sendTo((_q, s) => void s.writeHead(400).end())).res).toEqual({ ok: false, status: 400, error: 'HTTP 400', permanent: true });
    expect((await sendTo((_q, s) => void s.writeHead(401).end())).res.permanent).toBe(true);
    expect((await sendTo((_q, s) => void s.writeHead(404).end())).res.permanent).toBe(true);
    expect((await sendTo((_q, s) => void s.writeHead(408).end())).res).toEqual({ ok: false, status: 408, error: 'HTTP 408' });
  });

  it('a redirect is permanent and says where to point the channel', async () => {
    const { res } = await sendTo((_q, s) => void s.writeHead(301, { location: 'https://new.example/hook' }).end());
    expect(res).toMatchObject({ ok: false, status: 301, permanent: true });
    expect(res.error).toContain('https://new.example/hook');
  });

  it('nothing listening: retryable, with the error text', async () => {
    const port = await freePort();
    const res = await webhookChannel({ type: 'webhook', name: 'x', url: `http://127.0.0.1:${port}/`, timeout: '2s' }).send(sampleMessage(), 'd', never());
    expect(res.ok).toBe(false);
    expect(res.permanent).toBeUndefined();
    expect(res.error).toMatch(/ECONNREFUSED/);
  });

  it('drains every response body, so one keep-alive connection serves consecutive sends', async () => {
    let n = 0;
    const r = await startReceiver((_q, s) => void (n++ % 2 === 0 ? s.writeHead(200).end('x'.repeat(100_000)) : s.writeHead(400).end('bad request')));
    open.push(r);
    // A single-connection client: an undrained body would hold the next request (timeout)
    // or force a reconnect (a second connection).
    const client = new Client(new URL(r.url).origin);
    const ch = webhookChannel({ type: 'webhook', name: 'ops', url: r.url, timeout: '2s' }, { dispatcher: client });
    const results = [];
    for (let i = 0; i < 4; i++) results.push(await ch.send(sampleMessage(), `d${i}`, never()));
    await client.close();
    expect(results).toEqual([
      { ok: true, status: 200 },
      { ok: false, status: 400, error: 'HTTP 400: bad request', permanent: true },
      { ok: true, status: 200 },
      { ok: false, status: 400, error: 'HTTP 400: bad request', permanent: true },
    ]);
    expect(r.connections()).toBe(1);
  });
});

describe('parseRetryAfter', () => {
  it('reads seconds and HTTP dates, and nothing else', () => {
    const now = Date.parse('2026-10-05T10:00:00Z');
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
    expect(parseRetryAfter('Mon, 05 Oct 2026 10:01:00 GMT', now)).toBe(60_000);
    expect(parseRetryAfter('Mon, 05 Oct 2026 09:00:00 GMT', now)).toBe(0); // in the past: now
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter('-5', now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
  });
});
