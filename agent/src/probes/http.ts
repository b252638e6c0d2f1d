import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import type { TLSSocket } from 'node:tls';
import { Type } from 'typebox';
import { Agent, buildConnector, interceptors, request } from 'undici';
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

/** HTTP(S) with undici: phases (DNS, connect, TLS, first byte, total), status, keyword/regex, cert expiry. */
export const httpProbe = defineProbe({
  type: 'http',
  options: Options,
  describe: (o) => o.url,
  async run(o, ctx): Promise<ProbeResult> {
    const t0 = performance.now();
    const m: Record<string, number> = {};
    let certExpiry: number | undefined;
    const lookup = (host: string, opts: object, cb: (err: Error | null, address: string | LookupAddress[], family?: number) => void) => {
      const s = performance.now();
      dnsLookup(host, opts as never, (err, address, family) => {
        m.dns_seconds = (performance.now() - s) / 1000;
        cb(err, address as never, family);
      });
    };
    const connector = buildConnector({ rejectUnauthorized: !o.insecureSkipVerify, lookup } as never);
    const dispatcher = new Agent({
      connect: (opts: buildConnector.Options, cb: buildConnector.Callback) => {
        const s = performance.now();
        connector(opts, (err, socket) => {
          if (!err && socket) {
            const tls = socket as TLSSocket;
            const done = (performance.now() - s) / 1000;
            if (opts.protocol === 'https:') {
              m.tls_seconds = done - (m.dns_seconds ?? 0);
              const cert = tls.getPeerCertificate?.();
              if (cert?.valid_to) certExpiry = (Date.parse(cert.valid_to) - ctx.clock.now()) / 86_400_000;
            } else m.connect_seconds = done - (m.dns_seconds ?? 0);
          }
          cb(err as never, socket as never);
        });
      },
    } as never);
    // undici 7: redirects are an interceptor, not an Agent option
    const client = dispatcher.compose(interceptors.redirect({ maxRedirections: o.maxRedirects ?? 5 }));
    try {
      const res = await request(o.url, {
        method: o.method ?? 'GET', headers: o.headers, body: o.body, dispatcher: client, signal: ctx.signal,
        headersTimeout: ctx.timeoutMs, bodyTimeout: ctx.timeoutMs,
      });
      m.first_byte_seconds = (performance.now() - t0) / 1000;
      const text = await res.body.text();
      m.total_seconds = (performance.now() - t0) / 1000;
      m.status_code = res.statusCode;
      m.content_length_bytes = Buffer.byteLength(text);
      if (certExpiry !== undefined) m.tls_cert_expiry_days = certExpiry;
      const durationMs = performance.now() - t0;
      const okStatus = o.expectStatus ? o.expectStatus.includes(res.statusCode) : res.statusCode >= 200 && res.statusCode < 400;
      if (!okStatus) return { status: 'down', reason: 'status', message: `HTTP ${res.statusCode}`, durationMs, metrics: m };
      if (o.keyword !== undefined || o.regex !== undefined) {
        const found = o.keyword !== undefined ? text.includes(o.keyword) : new RegExp(o.regex!).test(text);
        if (found === !!o.invertKeyword) return { status: 'down', reason: 'keyword', message: `${o.invertKeyword ? 'unwanted' : 'expected'} content ${found ? 'found' : 'not found'}`, durationMs, metrics: m };
      }
      return { status: 'up', durationMs, metrics: m };
    } catch (e) {
      const { reason, message } = classifyError(e, ctx.signal);
      return { status: 'down', reason, message, durationMs: performance.now() - t0, metrics: m };
    } finally {
      void dispatcher.close();
    }
  },
});
