import { Type } from 'typebox';
import { exchangeFollowing } from '../http/undici.js';
import { classifyError } from './classify-error.js';
import type { HttpRun } from './http-connections.js';
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
    const run: HttpRun = { m, now: ctx.clock.now(), timeoutMs: ctx.timeoutMs };
    // the check's connector and Clients, kept across runs in the agent's runtime (http-connections.ts)
    const lease = ctx.runtime.http.begin(o, run);
    try {
      const res = await exchangeFollowing(lease.clientFor, o.url, {
        method: o.method ?? 'GET',
        headers: o.headers,
        body: o.body,
        signal: ctx.signal,
        timeoutMs: ctx.timeoutMs,
        reset: true,
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
        if (found === !!o.invertKeyword)
          return {
            status: 'down',
            reason: 'keyword',
            message: `${o.invertKeyword ? 'unwanted' : 'expected'} content ${found ? 'found' : 'not found'}`,
            durationMs,
            metrics: m,
          };
      }
      return { status: 'up', durationMs, metrics: m };
    } catch (e) {
      const { reason, message } = classifyError(e, ctx.signal);
      return { status: 'down', reason, message, durationMs: performance.now() - t0, metrics: m };
    } finally {
      lease.end();
    }
  },
});
