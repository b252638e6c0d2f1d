import { join, resolve } from 'node:path';
import { Type, type Static } from 'typebox';
import type { Problem } from '../../../shared/errors.js';
import { DurationSchema as Duration, parseDurationMs } from '../../../shared/sla/duration.js';
import { validator } from '../../../shared/validate.js';
import { readSecretFile } from '../security-config.js';

/** `1073741824`, `1GiB`, `512 MB` … */
const Size = Type.Union([Type.Integer({ minimum: 0 }), Type.String({ pattern: '^\\d+(\\.\\d+)?\\s*(B|KB|KiB|MB|MiB|GB|GiB|TB|TiB)?$' })]);
const SIZE_UNIT: Record<string, number> = { B: 1, KB: 1e3, KiB: 1024, MB: 1e6, MiB: 1024 ** 2, GB: 1e9, GiB: 1024 ** 3, TB: 1e12, TiB: 1024 ** 4 };
const sizeBytes = (v: string | number) =>
  typeof v === 'number' ? v : Math.floor(Number(/^[\d.]+/.exec(v)![0]) * SIZE_UNIT[/[A-Za-z]+$/.exec(v)?.[0] ?? 'B']!);

/** Points in one write request: InfluxDB's own guidance is 5,000 lines. */
export const MAX_BATCH_POINTS = 5000;

/** One entry of `sinks:` with `type: influxdb` (README, "InfluxDB sink"). */
export const InfluxSinkSchema = Type.Object(
  {
    type: Type.Literal('influxdb'),
    /** Names the buffer directory and the `sink` label on /metrics; default `influxdb`. */
    name: Type.Optional(Type.String({ pattern: '^[a-z0-9][a-z0-9_-]{0,62}$' })),
    url: Type.String({ minLength: 1, maxLength: 2048 }),
    org: Type.String({ minLength: 1, maxLength: 256 }),
    bucket: Type.String({ minLength: 1, maxLength: 256 }),
    token: Type.Optional(Type.String({ minLength: 16, maxLength: 4096 })),
    tokenFile: Type.Optional(Type.String({ minLength: 1 })),
    batchSize: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_BATCH_POINTS })),
    flushInterval: Type.Optional(Duration),
    timeout: Type.Optional(Duration),
    retry: Type.Optional(Type.Object({ minDelay: Type.Optional(Duration), maxDelay: Type.Optional(Duration) }, { additionalProperties: false })),
    buffer: Type.Optional(
      Type.Object(
        {
          dir: Type.Optional(Type.String({ minLength: 1 })),
          maxBytes: Type.Optional(Size),
          maxAge: Type.Optional(Duration),
          fsync: Type.Optional(Type.Union([Type.Literal('always'), Duration])),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);
type InfluxSinkFile = Static<typeof InfluxSinkSchema>;

/** A resolved `type: influxdb` sink: defaults applied, durations in ms, the token read. */
export interface InfluxSinkConfig {
  type: 'influxdb';
  name: string;
  /** Without a trailing slash; the client appends /api/v2/write. */
  url: string;
  org: string;
  bucket: string;
  token: string;
  batchSize: number;
  flushIntervalMs: number;
  timeoutMs: number;
  retryMinDelayMs: number;
  retryMaxDelayMs: number;
  buffer: { dir: string; maxBytes: number; maxAgeMs: number; fsync: 'always' | number };
}
export type SinkConfig = InfluxSinkConfig;

const check = validator(InfluxSinkSchema);
const LIMITS = {
  flushIntervalMs: [10, 60_000, 'between 10ms and 1m'],
  timeoutMs: [100, 300_000, 'between 100ms and 5m'],
  retryMinDelayMs: [1, 600_000, 'between 1ms and 10m'],
  retryMaxDelayMs: [1, 3_600_000, 'between 1ms and 1h'],
  maxBytes: [1024 ** 2, 1024 ** 4, 'between 1MiB and 1TiB'],
  maxAgeMs: [60_000, 90 * 86_400_000, 'between 1m and 90d'],
  fsyncMs: [0, 60_000, 'at most 1m (it is the loss window on power loss)'],
} as const;

/** What is wrong with `sinks:` as a whole, each problem with its path (the same report as the rest of the config). */
export function sinkConfigProblems(list: unknown, basePath = '/sinks'): Problem[] {
  if (list === undefined) return [];
  if (!Array.isArray(list)) return [{ path: basePath, message: 'must be a list of sinks' }];
  const problems: Problem[] = [];
  const names = new Map<string, number>();
  list.forEach((entry: unknown, i) => {
    const path = `${basePath}/${i}`;
    const type = entry !== null && typeof entry === 'object' ? (entry as { type?: unknown }).type : undefined;
    if (type !== 'influxdb') return void problems.push({ path: `${path}/type`, message: 'must be one of: influxdb' });
    const found = check.problems(entry).map((p) => ({ path: p.path === '/' ? path : `${path}${p.path}`, message: p.message }));
    if (found.length > 0) return void problems.push(...found);
    const s = entry as InfluxSinkFile;
    const name = s.name ?? 'influxdb';
    const first = names.get(name);
    if (first !== undefined) problems.push({ path: `${path}/name`, message: `"${name}" is already the name of sink ${first}: give each sink its own name` });
    names.set(name, i);
    problems.push(...urlProblems(s.url, `${path}/url`));
    if ((s.token === undefined) === (s.tokenFile === undefined))
      problems.push({ path, message: 'needs exactly one of token or tokenFile (VictoriaMetrics ignores it: any 16 characters do)' });
    problems.push(...boundProblems(s, path));
  });
  return problems;
}

/** Known at start-up: the URL must name an http(s) server; whether it answers, and to this token, is found out by writing. */
function urlProblems(url: string, path: string): Problem[] {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return [{ path, message: `"${url}" is not a URL; expected http(s)://host:port of InfluxDB 2 or VictoriaMetrics` }];
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return [{ path, message: `scheme ${u.protocol} is not http: or https:` }];
  if (!u.hostname) return [{ path, message: 'has no host' }];
  if (u.username || u.password) return [{ path, message: 'must not carry credentials: put the token in token or tokenFile' }];
  if (u.search || u.hash) return [{ path, message: 'must not have a query or fragment: org and bucket are fields of their own' }];
  return [];
}

function boundProblems(s: InfluxSinkFile, path: string): Problem[] {
  const out: Problem[] = [];
  const within = (v: number | undefined, [min, max, text]: readonly [number, number, string], at: string) => {
    if (v !== undefined && (v < min || v > max)) out.push({ path: `${path}${at}`, message: `must be ${text}` });
  };
  const ms = (v: unknown) => (v === undefined ? undefined : parseDurationMs(v));
  within(ms(s.flushInterval), LIMITS.flushIntervalMs, '/flushInterval');
  within(ms(s.timeout), LIMITS.timeoutMs, '/timeout');
  within(ms(s.retry?.minDelay), LIMITS.retryMinDelayMs, '/retry/minDelay');
  within(ms(s.retry?.maxDelay), LIMITS.retryMaxDelayMs, '/retry/maxDelay');
  within(s.buffer?.maxBytes === undefined ? undefined : sizeBytes(s.buffer.maxBytes), LIMITS.maxBytes, '/buffer/maxBytes');
  within(ms(s.buffer?.maxAge), LIMITS.maxAgeMs, '/buffer/maxAge');
  if (s.buffer?.fsync !== 'always') within(ms(s.buffer?.fsync), LIMITS.fsyncMs, '/buffer/fsync');
  const [lo, hi] = [ms(s.retry?.minDelay) ?? 1000, ms(s.retry?.maxDelay) ?? 30_000];
  if (lo > hi) out.push({ path: `${path}/retry/maxDelay`, message: `must be at least retry.minDelay (${lo} ms)` });
  return out;
}

/**
 * The sinks of a config that sinkConfigProblems found valid: defaults applied, the buffer under
 * `<dataDir>/sinks/<name>` unless set, tokenFile read (0600, as every secret file).
 */
export function parseSinks(list: readonly unknown[] | undefined, source: string, baseDir: string, dataDir: string): SinkConfig[] {
  return (list ?? []).map((entry, i) => {
    const s = entry as InfluxSinkFile;
    const name = s.name ?? 'influxdb';
    const ms = (v: string | number | undefined, dflt: number) => (v === undefined ? dflt : (parseDurationMs(v) ?? dflt));
    const token = s.token ?? readSecretFile(resolve(baseDir, s.tokenFile!), `/sinks/${i}/tokenFile`, source);
    const fsync = s.buffer?.fsync === 'always' ? 'always' : ms(s.buffer?.fsync, 1000);
    return {
      type: 'influxdb',
      name,
      url: s.url.replace(/\/+$/, ''),
      org: s.org,
      bucket: s.bucket,
      token,
      batchSize: s.batchSize ?? MAX_BATCH_POINTS,
      flushIntervalMs: ms(s.flushInterval, 1000),
      timeoutMs: ms(s.timeout, 10_000),
      retryMinDelayMs: ms(s.retry?.minDelay, 1000),
      retryMaxDelayMs: ms(s.retry?.maxDelay, 30_000),
      buffer: {
        dir: s.buffer?.dir ? resolve(baseDir, s.buffer.dir) : join(dataDir, 'sinks', name),
        maxBytes: s.buffer?.maxBytes === undefined ? 1024 ** 3 : sizeBytes(s.buffer.maxBytes),
        maxAgeMs: ms(s.buffer?.maxAge, 7 * 86_400_000),
        fsync,
      },
    };
  });
}
