import { existsSync, readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { Type, type Static } from 'typebox';
import { VigilError } from '../../shared/errors.js';
import { DurationSchema as Duration, parseDurationMs } from '../../shared/sla/duration.js';

const Listen = Type.Object({ host: Type.Optional(Type.String()), port: Type.Integer({ minimum: 0, maximum: 65535 }) }, { additionalProperties: false });

/** `metrics:` and `security:` of collector.yaml (see README, "Access control"). */
export const MetricsSection = Type.Object(
  {
    /** Bearer token Prometheus sends (`authorization: { credentials: … }`); or `tokenFile`, or env VIGIL_METRICS_TOKEN. */
    token: Type.Optional(Type.String({ minLength: 16 })),
    tokenFile: Type.Optional(Type.String()),
    /** A second listener that serves /metrics only, without a token (bind it to a management network). */
    listen: Type.Optional(Listen),
  },
  { additionalProperties: false },
);

export const SecuritySection = Type.Object(
  {
    /** Failed authentications per source address and minute before it gets 429 (default 20). */
    authFailuresPerMinute: Type.Optional(Type.Integer({ minimum: 1 })),
    /** Reverse proxies whose X-Forwarded-For is believed (addresses or CIDRs); nobody else's is. */
    trustedProxies: Type.Optional(Type.Array(Type.String({ minLength: 1 }))),
    connections: Type.Optional(
      Type.Object(
        {
          /** Open connections at most (default: the descriptor limit less 128, at least 64); more are closed, logged and counted. */
          max: Type.Optional(Type.Integer({ minimum: 1 })),
          /** Whole request, body included (default 30 s); headers (default 10 s); idle keep-alive (default 20 s). */
          requestTimeout: Type.Optional(Duration),
          headersTimeout: Type.Optional(Duration),
          keepAliveTimeout: Type.Optional(Duration),
        },
        { additionalProperties: false },
      ),
    ),
    /** HTTPS from a certificate and key (PEM files, reloaded on SIGHUP). */
    tls: Type.Optional(Type.Object({ cert: Type.String({ minLength: 1 }), key: Type.String({ minLength: 1 }) }, { additionalProperties: false })),
    /** The acknowledge-link key from a file (0600) instead of the database; or env VIGIL_ACK_SECRET. */
    ackSecretFile: Type.Optional(Type.String()),
    /** The Ed25519 report-signing key (PKCS#8 PEM, 0600) instead of one generated in the database; or env VIGIL_REPORT_KEY. */
    reportKeyFile: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);

export interface SecurityConfig {
  metricsToken: string | undefined;
  metricsListen: { host: string; port: number } | undefined;
  authFailuresPerMinute: number;
  trustedProxies: string[];
  maxConnections: number;
  requestTimeoutMs: number;
  headersTimeoutMs: number;
  keepAliveTimeoutMs: number;
  tls: { certFile: string; keyFile: string } | undefined;
  /** From security.ackSecretFile or VIGIL_ACK_SECRET; undefined: notifications.ackSecret, else the database. */
  ackSecret: string | undefined;
  /** From security.reportKeyFile or VIGIL_REPORT_KEY; undefined: generated once in the database. */
  reportKey: string | undefined;
}

/**
 * Reads a secret file, refusing one that others can read (or that is missing) with a coded error
 * naming the fix; trailing whitespace is cut.
 */
export function readSecretFile(path: string, field: string, source: string): string {
  if (!existsSync(path))
    throw new VigilError('CONFIG_INVALID', `${source}: configuration is invalid`, [{ path: field, message: `file ${path} does not exist` }]);
  const mode = statSync(path).mode & 0o777;
  if (mode & 0o077)
    throw new VigilError(
      'SECRET_FILE_OPEN',
      `${path} (${field}) is readable by others (mode ${mode.toString(8).padStart(4, '0')}): run \`chmod 600 ${path}\``,
      [{ path: field, message: `mode ${mode.toString(8)}: group or others may read it` }],
    );
  const value = readFileSync(path, 'utf8').trim();
  if (value.length < 16)
    throw new VigilError('CONFIG_INVALID', `${source}: configuration is invalid`, [{ path: field, message: `${path} holds fewer than 16 characters` }]);
  return value;
}

/** The soft limit on open descriptors of this process (Linux /proc), or undefined elsewhere. */
function descriptorLimit(): number | undefined {
  try {
    const m = /Max open files\s+(\d+)/.exec(readFileSync('/proc/self/limits', 'utf8'));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

export function parseSecurity(
  m: Static<typeof MetricsSection> | undefined,
  s: Static<typeof SecuritySection> | undefined,
  source: string,
  baseDir: string,
  env: NodeJS.ProcessEnv,
): SecurityConfig {
  const ms = (v: string | number | undefined, dflt: number) => (v === undefined ? dflt : (parseDurationMs(v) ?? dflt));
  const file = (p: string | undefined, field: string) => (p === undefined ? undefined : readSecretFile(resolve(baseDir, p), field, source));
  const fds = descriptorLimit();
  return {
    metricsToken: env.VIGIL_METRICS_TOKEN ?? m?.token ?? file(m?.tokenFile, '/metrics/tokenFile'),
    metricsListen: m?.listen ? { host: m.listen.host ?? '127.0.0.1', port: m.listen.port } : undefined,
    authFailuresPerMinute: s?.authFailuresPerMinute ?? 20,
    trustedProxies: s?.trustedProxies ?? [],
    maxConnections: s?.connections?.max ?? Math.max(64, (fds ?? 1024) - 128),
    requestTimeoutMs: ms(s?.connections?.requestTimeout, 30_000),
    headersTimeoutMs: ms(s?.connections?.headersTimeout, 10_000),
    // above the agents' request spacing (results every few seconds, heartbeats every 15 s): a shorter one made
    // every agent open a new connection per request (measured by the agent CPU work)
    keepAliveTimeoutMs: ms(s?.connections?.keepAliveTimeout, 20_000),
    tls: s?.tls ? { certFile: resolve(baseDir, s.tls.cert), keyFile: resolve(baseDir, s.tls.key) } : undefined,
    ackSecret: env.VIGIL_ACK_SECRET ?? file(s?.ackSecretFile, '/security/ackSecretFile'),
    reportKey: env.VIGIL_REPORT_KEY ?? file(s?.reportKeyFile, '/security/reportKeyFile'),
  };
}
