import type { X509Certificate } from 'node:crypto';
import { connect } from 'node:tls';
import { Type } from 'typebox';
import { classifyError } from './classify-error.js';
import { defineProbe, type ProbeResult } from './types.js';

const Options = Type.Object(
  {
    host: Type.String({ minLength: 1 }),
    port: Type.Optional(Type.Integer({ minimum: 1, maximum: 65535 })),
    serverName: Type.Optional(Type.String()),
    /** Days before expiry that make the check degraded (default 14; judged in quality.ts). */
    warnDays: Type.Optional(Type.Number({ minimum: 0 })),
    /** Check expiry only, without chain verification (self-signed internal services). */
    insecureSkipVerify: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

/**
 * TLS handshake to any host:port: leaf and chain expiry in days, handshake time, verification.
 * An expired certificate is down here; one inside `warnDays` is up with its figures, and
 * judgeQuality (quality.ts) makes it degraded.
 */
export const tlsProbe = defineProbe({
  type: 'tls',
  options: Options,
  describe: (o) => `${o.host}:${o.port ?? 443}`,
  run: (o, ctx) =>
    new Promise<ProbeResult>((resolve) => {
      const t0 = performance.now();
      const socket = connect({
        host: o.host,
        port: o.port ?? 443,
        servername: o.serverName ?? (/^[\d.:]+$/.test(o.host) ? undefined : o.host),
        rejectUnauthorized: !o.insecureSkipVerify,
        secureContext: ctx.runtime.tls.contextFor(o),
      });
      const done = (r: ProbeResult) => {
        ctx.signal.removeEventListener('abort', onAbort);
        socket.destroy();
        resolve(r);
      };
      const onAbort = () => done({ status: 'down', reason: 'timeout', message: 'timed out', durationMs: performance.now() - t0, metrics: {} });
      ctx.signal.addEventListener('abort', onAbort, { once: true });
      socket.once('error', (e) => done({ status: 'down', ...classifyError(e), durationMs: performance.now() - t0, metrics: {} }));
      socket.once('secureConnect', () => {
        const durationMs = performance.now() - t0;
        const now = ctx.clock.now();
        // X509Certificate objects parse a field when it is read: only the dates (the detailed
        // getPeerCertificate(true) builds every field of every certificate, key and raw bytes included)
        const days = (c: X509Certificate) => (Date.parse(c.validTo) - now) / 86_400_000;
        let cert = socket.getPeerX509Certificate();
        const leaf = cert ? days(cert) : NaN;
        let earliest = leaf;
        for (let i = 0; cert && i < 10; i++) {
          earliest = Math.min(earliest, days(cert));
          const issuer: X509Certificate | undefined = cert.issuerCertificate;
          cert = issuer && issuer.fingerprint256 !== cert.fingerprint256 ? issuer : undefined;
        }
        const metrics = { tls_cert_expiry_days: leaf, tls_chain_expiry_days: earliest, handshake_seconds: durationMs / 1000 };
        if (earliest <= 0) return done({ status: 'down', reason: 'expiry', message: 'certificate expired', durationMs, metrics });
        done({ status: 'up', durationMs, metrics });
      });
    }),
});
