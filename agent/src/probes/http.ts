import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { createSecureContext, type TLSSocket } from 'node:tls';
import { Type } from 'typebox';
import type { buildConnector as BuildConnector } from 'undici';
import { buildConnector, Client, exchangeFollowing, MAX_HEADER_SIZE } from '../http/undici.js';
import { classifyError } from './classify-error.js';
import { defineProbe, type ProbeResult } from './types.js';

const Options = Type.Object(
  {
    url: Type.String({ pattern: '^https?://' }),
    method: Type.Optional(Type.Enum(['GET', 'HEAD', 'POST', 'PUT', 'OPTIONS'])),
    headers: Type.Optional(Type.Record(Type.String(), Type.String())),
    body: Type.Optional(Type.String()),
    /** Accepted status codes; default 200–399. */
    expectStatus: Type.Optional(Type.Array(Type.Integer({ minimum: 100, maximum: 599 }), { minItems: 1 })),
    keyword: Type.Optional(Type.String()),
    regex: Type.Optional(Type.String()),
    invertKeyword: Type.Optional(Type.Boolean()),
    maxRedirects: Type.Optional(Type.Integer({ minimum: 0, maximum: 20 })),
    insecureSkipVerify: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

interface Run {
  m: Record<string, number>;
  certExpiry?: number;
  now: number;
}
interface Conn {
  /** One Client per origin this check reaches (its URL, and where it redirects to). */
  clients: Map<string, Client>;
  connect: BuildConnector.connector;
  run?: Run;
}

/** Origins a check may keep a Client for (its own and a few redirect targets); beyond that, one-off. */
const MAX_ORIGINS = 4;

/**
 * One connector (with its TLS context) and one undici Client per origin, per check (keyed by
 * its options object), built once instead of on every run. Every run still measures a cold
 * request: the request closes its connection (`reset`) and TLS sessions are not cached, so each
 * run does its own DNS lookup, connect and full handshake, as blackbox_exporter does.
 */
const conns = new WeakMap<object, Conn>();
function connFor(o: { insecureSkipVerify?: boolean }): Conn {
  const cached = conns.get(o);
  if (cached && !cached.run) return cached;
  const conn = { clients: new Map() } as Conn;
  const lookup = (host: string, opts: object, cb: (err: Error | null, address: string | LookupAddress[], family?: number) => void) => {
    const s = performance.now();
    dnsLookup(host, opts as never, (err, address, family) => {
      if (conn.run) conn.run.m.dns_seconds = (performance.now() - s) / 1000;
      cb(err, address as never, family);
    });
  };
  const connector = buildConnector({ rejectUnauthorized: !o.insecureSkipVerify, lookup, maxCachedSessions: 0, secureContext: createSecureContext() } as never);
  conn.connect = (opts, cb) => {
    const s = performance.now();
    connector(opts, (err, socket) => {
      const run = conn.run;
      if (!err && socket && run) {
        const done = (performance.now() - s) / 1000;
        if (opts.protocol === 'https:') {
          run.m.tls_seconds = done - (run.m.dns_seconds ?? 0);
          const validTo = (socket as TLSSocket).getPeerX509Certificate?.()?.validTo;
          if (validTo) run.certExpiry = (Date.parse(validTo) - run.now) / 86_400_000;
        } else run.m.connect_seconds = done - (run.m.dns_seconds ?? 0);
      }
      cb(err as never, socket as never);
    });
  };
  if (!cached) conns.set(o, conn); // a run of the same options already going (run-once, tests) gets a one-off
  return conn;
}

function clientFor(conn: Conn, origin: string, oneOff: Client[]): Client {
  let client = conn.clients.get(origin);
  if (client) return client;
  client = new Client(origin, { connect: conn.connect, maxHeaderSize: MAX_HEADER_SIZE, pipelining: 1 });
  if (conn.clients.size < MAX_ORIGINS) conn.clients.set(origin, client);
  else oneOff.push(client);
  return client;
}

/** HTTP(S) with undici: phases (DNS, connect, TLS, first byte, total), status, keyword/regex, cert expiry. */
export const httpProbe = defineProbe({
  type: 'http',
  options: Options,
  describe: (o) => o.url,
  async run(o, ctx): Promise<ProbeResult> {
    const t0 = performance.now();
    const m: Record<string, number> = {};
    const conn = connFor(o);
    const run: Run = { m, now: ctx.clock.now() };
    const oneOff: Client[] = [];
    conn.run = run;
    try {
      const res = await exchangeFollowing((origin) => clientFor(conn, origin, oneOff), o.url, {
        method: o.method ?? 'GET', headers: o.headers, body: o.body, signal: ctx.signal, timeoutMs: ctx.timeoutMs, reset: true,
        maxRedirects: o.maxRedirects ?? 5,
      });
      m.first_byte_seconds = (res.headAt - t0) / 1000;
      m.total_seconds = (performance.now() - t0) / 1000;
      m.status_code = res.statusCode;
      m.content_length_bytes = res.bytes;
      if (run.certExpiry !== undefined) m.tls_cert_expiry_days = run.certExpiry;
      const durationMs = performance.now() - t0;
      const okStatus = o.expectStatus ? o.expectStatus.includes(res.statusCode) : res.statusCode >= 200 && res.statusCode < 400;
      if (!okStatus) return { status: 'down', reason: 'status', message: `HTTP ${res.statusCode}`, durationMs, metrics: m };
      if (o.keyword !== undefined || o.regex !== undefined) {
        const text = res.body.toString('utf8');
        const found = o.keyword !== undefined ? text.includes(o.keyword) : new RegExp(o.regex!).test(text);
        if (found === !!o.invertKeyword) return { status: 'down', reason: 'keyword', message: `${o.invertKeyword ? 'unwanted' : 'expected'} content ${found ? 'found' : 'not found'}`, durationMs, metrics: m };
      }
      return { status: 'up', durationMs, metrics: m };
    } catch (e) {
      const { reason, message } = classifyError(e, ctx.signal);
      return { status: 'down', reason, message, durationMs: performance.now() - t0, metrics: m };
    } finally {
      conn.run = undefined;
      for (const c of oneOff) void c.destroy().catch(() => undefined);
    }
  },
});
