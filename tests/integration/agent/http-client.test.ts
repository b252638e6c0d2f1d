import { createServer, type IncomingMessage, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BodyTooLargeError, Client, exchange, exchangeFollowing } from '../../../agent/src/http/undici.js';
import { httpProbe } from '../../../agent/src/probes/http.js';
import { ProbeRuntime } from '../../../agent/src/probes/runtime.js';
import { systemClock } from '../../../shared/clock.js';
import { silentLogger } from '../../../shared/logger.js';

interface Seen {
  port: number;
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}
const listen = (s: Server) => new Promise<number>((r) => s.listen(0, '127.0.0.1', () => r((s.address() as { port: number }).port)));

describe("the agent's HTTP client (undici Client + dispatch handler): redirects, bodies, limits", () => {
  const seen: Seen[] = [];
  let a: Server;
  let b: Server;
  let aPort = 0;
  let bPort = 0;
  const clients = new Map<string, InstanceType<typeof Client>>();
  const runtime = new ProbeRuntime();
  const clientFor = (origin: string) => {
    let c = clients.get(origin);
    if (!c) clients.set(origin, (c = new Client(origin)));
    return c;
  };
  const handler = (port: () => number) => (req: IncomingMessage, res: import('node:http').ServerResponse) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      seen.push({ port: port(), method: req.method!, url: req.url!, headers: req.headers, body });
      const m = /^\/(30[12378])\/(.*)$/.exec(req.url!);
      if (m) return void res.writeHead(Number(m[1]), { location: decodeURIComponent(m[2]!) }).end();
      if (req.url === '/big') return void res.end('x'.repeat(100_000));
      if (req.url === '/loop') return void res.writeHead(302, { location: '/loop' }).end();
      res.end(`${req.method} ${req.url} on ${port()}`);
    });
  };

  beforeAll(async () => {
    a = createServer(handler(() => aPort));
    b = createServer(handler(() => bPort));
    aPort = await listen(a);
    bPort = await listen(b);
  });
  afterAll(async () => {
    await Promise.all([...clients.values()].map((c) => c.destroy()));
    await runtime.close();
    a.closeAllConnections();
    b.closeAllConnections();
    a.close();
    b.close();
  });

  it('303 after a POST: a GET without body or content headers; 307 keeps method and body', async () => {
    seen.length = 0;
    const post = { method: 'POST' as const, body: '{"x":1}', headers: { 'content-type': 'application/json', 'x-keep': 'yes' }, maxRedirects: 5 };
    const r = await exchangeFollowing(clientFor, `http://127.0.0.1:${aPort}/303/${encodeURIComponent('/done')}`, post);
    expect(r.statusCode).toBe(200);
    expect(r.redirects).toBe(1);
    expect(seen[1]).toMatchObject({ method: 'GET', url: '/done', body: '' });
    expect(seen[1]!.headers['content-type']).toBeUndefined();
    expect(seen[1]!.headers['x-keep']).toBe('yes');
    seen.length = 0;
    await exchangeFollowing(clientFor, `http://127.0.0.1:${aPort}/307/${encodeURIComponent('/again')}`, post);
    expect(seen[1]).toMatchObject({ method: 'POST', url: '/again', body: '{"x":1}' });
  });

  it('to another origin: followed there, without the credentials', async () => {
    seen.length = 0;
    const to = encodeURIComponent(`http://127.0.0.1:${bPort}/landing?q=1`);
    const r = await exchangeFollowing(clientFor, `http://127.0.0.1:${aPort}/301/${to}`, {
      headers: { authorization: 'Bearer secret', cookie: 'a=b', 'x-trace': '1' },
      maxRedirects: 5,
    });
    expect(r.body.toString()).toBe(`GET /landing?q=1 on ${bPort}`);
    expect(r.url.port).toBe(String(bPort));
    expect(seen[0]!.headers.authorization).toBe('Bearer secret');
    expect(seen[1]!.port).toBe(bPort);
    expect(seen[1]!.headers.authorization).toBeUndefined();
    expect(seen[1]!.headers.cookie).toBeUndefined();
    expect(seen[1]!.headers['x-trace']).toBe('1');
  });

  it('maxRedirects bounds the chain: the last 3xx is the answer', async () => {
    const none = await exchangeFollowing(clientFor, `http://127.0.0.1:${aPort}/302/${encodeURIComponent('/x')}`, { maxRedirects: 0 });
    expect([none.statusCode, none.redirects]).toEqual([302, 0]);
    const loop = await exchangeFollowing(clientFor, `http://127.0.0.1:${aPort}/loop`, { maxRedirects: 3 });
    expect([loop.statusCode, loop.redirects]).toEqual([302, 3]);
  });

  it('bodies: all bytes counted, at most maxBodyBytes kept, or a BodyTooLargeError when asked', async () => {
    const c = clientFor(`http://127.0.0.1:${aPort}`);
    const kept = await exchange(c, '/big', { maxBodyBytes: 1000 });
    expect([kept.bytes, kept.body.length]).toEqual([100_000, 1000]);
    await expect(exchange(c, '/big', { maxBodyBytes: 1000, rejectLargerBody: true })).rejects.toBeInstanceOf(BodyTooLargeError);
    const after = await exchange(c, '/', {});
    expect(after.body.toString()).toBe(`GET / on ${aPort}`);
  });

  it('an aborted signal rejects with its reason; the http probe reports it as a timeout', async () => {
    const ctl = new AbortController();
    ctl.abort(new DOMException('gone', 'TimeoutError'));
    await expect(exchange(clientFor(`http://127.0.0.1:${aPort}`), '/', { signal: ctl.signal })).rejects.toMatchObject({ name: 'TimeoutError' });
    const r = await httpProbe.run(
      { url: `http://127.0.0.1:${aPort}/` },
      { signal: ctl.signal, timeoutMs: 1000, clock: systemClock, logger: silentLogger(), runtime },
    );
    expect(r).toMatchObject({ status: 'down', reason: 'timeout' });
  });

  it("an abort while still connecting answers at once (not at undici's connect timeout)", async () => {
    // a connector that takes a minute: the request never starts
    const stuck = new Client('http://127.0.0.1:9', {
      connect: (_opts, cb) => void setTimeout(() => cb(new Error('never connects in time'), null), 60_000).unref(),
    });
    const ctl = new AbortController();
    setTimeout(() => ctl.abort(new DOMException('check timeout', 'TimeoutError')), 50);
    const outcome = await Promise.race([
      exchange(stuck, '/', { signal: ctl.signal }).then(
        () => 'answered',
        (e: Error) => e.name,
      ),
      new Promise((r) => setTimeout(() => r('still waiting after 3 s'), 3000)),
    ]);
    void stuck.destroy().catch(() => undefined);
    expect(outcome).toBe('TimeoutError');
  });

  it('the http probe follows a redirect to another origin and counts the body it got', async () => {
    const to = encodeURIComponent(`http://127.0.0.1:${bPort}/there`);
    const ctx = { signal: AbortSignal.timeout(2000), timeoutMs: 2000, clock: systemClock, logger: silentLogger(), runtime };
    const r = await httpProbe.run({ url: `http://127.0.0.1:${aPort}/302/${to}`, keyword: `on ${bPort}` }, ctx);
    expect(r.status).toBe('up');
    expect(r.metrics.content_length_bytes).toBe(`GET /there on ${bPort}`.length);
    const stop = await httpProbe.run({ url: `http://127.0.0.1:${aPort}/302/${to}`, maxRedirects: 0, expectStatus: [200] }, ctx);
    expect(stop).toMatchObject({ status: 'down', reason: 'status', message: 'HTTP 302' });
  });
});
