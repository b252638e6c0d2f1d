import { dirname, resolve } from 'node:path';
import { Type, type Static } from 'typebox';
import { VigilError, type Problem } from '../../shared/errors.js';
import { Labels } from '../../shared/protocol/v1/common.js';
import { FailureReason } from '../../shared/protocol/v1/batch.js';
import { DurationSchema as Duration, parseDurationMs } from '../../shared/sla/duration.js';
import { readYamlFile } from '../../shared/yaml-file.js';
import { validator } from '../../shared/validate.js';
import { expandTemplates } from './cloud/templates.js';
import type { ProbeRegistry } from './probes/registry.js';

const CheckBase = Type.Object({
  id: Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$' }),
  type: Type.String(),
  interval: Type.Optional(Duration),
  timeout: Type.Optional(Duration),
  retries: Type.Optional(Type.Integer({ minimum: 0, maximum: 10 })),
  retryInterval: Type.Optional(Duration),
  confirmRetries: Type.Optional(Type.Integer({ minimum: 0, maximum: 10 })),
  confirmOn: Type.Optional(Type.Array(FailureReason, { maxItems: 32 })),
  labels: Type.Optional(Labels),
});
/** `268435456`, `256MiB`, `64 MB`, `1GiB` … */
const Size = Type.Union([Type.Integer({ minimum: 0 }), Type.String({ pattern: '^\\d+(\\.\\d+)?\\s*(B|KB|KiB|MB|MiB|GB|GiB|TB|TiB)?$' })]);
const SIZE_UNIT: Record<string, number> = { B: 1, KB: 1e3, KiB: 1024, MB: 1e6, MiB: 1024 ** 2, GB: 1e9, GiB: 1024 ** 3, TB: 1e12, TiB: 1024 ** 4 };
const sizeBytes = (v: string | number) =>
  typeof v === 'number' ? v : Math.floor(Number(/^[\d.]+/.exec(v)![0]) * SIZE_UNIT[/[A-Za-z]+$/.exec(v)?.[0] ?? 'B']!);

const SpoolSection = Type.Object(
  {
    fsync: Type.Optional(Type.Union([Type.Literal('always'), Duration])),
    maxBytes: Type.Optional(Size),
    maxAge: Type.Optional(Duration),
    replayRate: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 10_000 })),
  },
  { additionalProperties: false },
);

/** Bounds of the spool keys, checked after the schema (problems carry the key's path). */
const SPOOL_LIMITS = {
  fsyncMs: { max: 60_000, text: 'at most 1m (it is the loss window on power loss)' },
  maxBytes: { min: 1024 ** 2, max: 1024 ** 4, text: 'between 1MiB and 1TiB' },
  maxAgeMs: { min: 60_000, max: 90 * 86_400_000, text: 'between 1m and 90d' },
};

const AgentFile = Type.Object(
  {
    collector: Type.Object(
      {
        url: Type.String({ pattern: '^https?://' }),
        /** Where the checks come from: `central` (the collector's fleet config) or `local` (`checks` below); default local when `checks` is given. */
        config: Type.Optional(Type.Union([Type.Literal('central'), Type.Literal('local')])),
      },
      { additionalProperties: false },
    ),
    stateDir: Type.String({ minLength: 1 }),
    labels: Type.Optional(Labels),
    defaults: Type.Optional(
      Type.Object(
        {
          interval: Type.Optional(Duration),
          timeout: Type.Optional(Duration),
          retries: Type.Optional(Type.Integer({ minimum: 0 })),
          retryInterval: Type.Optional(Duration),
          confirmRetries: Type.Optional(Type.Integer({ minimum: 0, maximum: 10 })),
          confirmOn: Type.Optional(Type.Array(FailureReason, { maxItems: 32 })),
        },
        { additionalProperties: false },
      ),
    ),
    send: Type.Optional(
      Type.Object(
        {
          batchMaxSamples: Type.Optional(Type.Integer({ minimum: 1, maximum: 5000 })),
          flushInterval: Type.Optional(Duration),
          queueMaxBatches: Type.Optional(Type.Integer({ minimum: 1 })),
        },
        { additionalProperties: false },
      ),
    ),
    heartbeat: Type.Optional(Type.Object({ interval: Type.Optional(Duration) }, { additionalProperties: false })),
    spool: Type.Optional(SpoolSection),
    schedule: Type.Optional(Type.Object({ slot: Type.Optional(Duration) }, { additionalProperties: false })),
    host: Type.Optional(
      Type.Object(
        {
          enabled: Type.Optional(Type.Boolean()),
          interval: Type.Optional(Duration),
          links: Type.Optional(Type.Record(Type.String(), Type.Number({ minimum: 1 }))),
        },
        { additionalProperties: false },
      ),
    ),
    checks: Type.Optional(Type.Array(Type.Unknown())),
    log: Type.Optional(Type.Object({ level: Type.Optional(Type.String()) }, { additionalProperties: false })),
    memory: Type.Optional(Type.Object({ trim: Type.Optional(Type.Boolean()) }, { additionalProperties: false })),
  },
  { additionalProperties: false },
);
type AgentFile = Static<typeof AgentFile>;

export interface CheckConfig {
  id: string;
  type: string;
  intervalMs: number;
  timeoutMs: number;
  retries: number;
  /**
   * After a result that is not up, run again this much later instead of a whole interval later
   * (scheduler.ts, faster confirmation); 0 or absent: off. The config's default is 2 s.
   */
  retryIntervalMs?: number;
  /** Such re-probes per failure streak (default 1: with the collector's confirmDown 2, DOWN ~2 s after the first failure). */
  confirmRetries?: number;
  /** The failure reasons that are re-probed after retryInterval (others wait for the next normal run). */
  confirmOn?: readonly FailureReason[];
  labels: Record<string, string>;
  options: Record<string, unknown>;
}

export interface AgentConfig {
  collectorUrl: string;
  /** `central`: the checks come from the collector and change while the agent runs (remote-config.ts); `local`: `checks` of agent.yaml. */
  configSource: 'central' | 'local';
  stateDir: string;
  labels: Record<string, string>;
  checks: CheckConfig[];
  batchMaxSamples: number;
  flushIntervalMs: number;
  /** Optional bound on spooled batches (older configs' queue bound; drop-oldest). */
  queueMaxBatches: number | undefined;
  /** The disk spool in `<stateDir>/spool` (shared/spool; README, "Spool"). */
  spool: SpoolConfig;
  heartbeatIntervalMs: number;
  /** Checks run in bursts at slot boundaries (see Scheduler); 0 = each check at its own offset. */
  scheduleSlotMs: number;
  host: { enabled: boolean; intervalMs: number; links: Record<string, number> };
  logLevel: string;
  /** Return freed C-heap memory to the system after each round (needs agent/native built). */
  memoryTrim: boolean;
}

export interface SpoolConfig {
  /** `always`: fsync every append; a number: ms, the most recent appends a power loss can take (a crash takes none). */
  fsync: 'always' | number;
  maxBytes: number;
  maxAgeMs: number;
  /** Batches per second when a backlog drains. */
  replayRate: number;
}

function spoolConfig(s: Static<typeof SpoolSection> | undefined, problems: Problem[]): SpoolConfig {
  const c: SpoolConfig = {
    fsync: s?.fsync === 'always' ? 'always' : ms(s?.fsync, 1000),
    maxBytes: s?.maxBytes === undefined ? 256 * 1024 ** 2 : sizeBytes(s.maxBytes),
    maxAgeMs: ms(s?.maxAge, 7 * 86_400_000),
    replayRate: s?.replayRate ?? 10,
  };
  if (c.fsync !== 'always' && c.fsync > SPOOL_LIMITS.fsyncMs.max)
    problems.push({ path: '/spool/fsync', message: `must be "always" or ${SPOOL_LIMITS.fsyncMs.text}` });
  const { maxBytes, maxAgeMs } = SPOOL_LIMITS;
  if (c.maxBytes < maxBytes.min || c.maxBytes > maxBytes.max) problems.push({ path: '/spool/maxBytes', message: `must be ${maxBytes.text}` });
  if (c.maxAgeMs < maxAgeMs.min || c.maxAgeMs > maxAgeMs.max) problems.push({ path: '/spool/maxAge', message: `must be ${maxAgeMs.text}` });
  return c;
}

/** Faster confirmation's default re-probe delay (per check `retryInterval`, or in `defaults`). */
const DEFAULT_RETRY_INTERVAL_MS = 2000;
/**
 * What the re-probe confirms by default: failures that say nothing is serving (connection refused,
 * host or network unreachable, no answer within the timeout, name not resolved). A 503, a reset, a
 * wrong keyword or a quality figure is as often a glitch of a few seconds: those wait for the next
 * normal run, so a short glitch is never confirmed by a re-probe that lands inside it (bench:detect's
 * flapping targets). Add `status` or `reset` to `confirmOn` where a 5xx is an outage worth paging fast.
 */
export const DEFAULT_CONFIRM_ON: readonly FailureReason[] = ['refused', 'unreachable', 'timeout', 'dns'];
/** The keys of a check every type has (the rest are its probe's options). */
const BASE_KEYS = ['/id', '/type', '/interval', '/timeout', '/retries', '/retryInterval', '/confirmRetries', '/confirmOn', '/'];

const fileCheck = validator(AgentFile);
const baseCheck = validator(CheckBase);
const ms = (v: string | number | undefined, d: number) => (v === undefined ? d : (parseDurationMs(v) ?? d));

/** Validates the whole file and every check against its probe's schema; all problems at once, with paths. */
export function parseAgentConfig(raw: unknown, source: string, registry: ProbeRegistry, baseDir = process.cwd()): AgentConfig {
  const problems: Problem[] = fileCheck.problems(raw);
  if (problems.length > 0) throw new VigilError('CONFIG_INVALID', `${source}: configuration is invalid (${problems.length} problems)`, problems);
  const f = raw as AgentFile;
  const configSource = f.collector.config ?? (f.checks === undefined ? 'central' : 'local');
  if (configSource === 'central' && f.checks !== undefined)
    problems.push({ path: '/checks', message: 'checks come from the collector (collector.config: central): remove them, or set collector.config: local' });
  if (configSource === 'local' && f.checks === undefined) problems.push({ path: '/checks', message: 'required with collector.config: local' });
  const checks: CheckConfig[] = [];
  const ids = new Set<string>();
  // cloud templates (`template: microsoft-365`) become concrete checks first, validated like the rest below
  expandTemplates(f.checks ?? [], problems, baseDir).forEach(({ path, check: c }) => {
    const baseProblems = baseCheck.problems(c);
    if (baseProblems.length > 0 && (typeof c !== 'object' || c === null)) return void problems.push({ path, message: 'must be an object' });
    const { id, type, interval, timeout, retries, retryInterval, confirmRetries, confirmOn, labels, ...options } = c as Static<typeof CheckBase> &
      Record<string, unknown>;
    for (const p of baseProblems)
      if (BASE_KEYS.some((k) => p.path.startsWith(k)) && !p.message.startsWith('unknown field'))
        problems.push({ path: `${path}${p.path === '/' ? '' : p.path}`, message: p.message });
    const probe = registry.get(type);
    if (!probe) return void problems.push({ path: `${path}/type`, message: `unknown check type "${String(type)}"; known: ${[...registry.keys()].join(', ')}` });
    if (ids.has(id)) problems.push({ path: `${path}/id`, message: `duplicate check id "${id}"` });
    ids.add(id);
    for (const p of validator(probe.options).problems(options)) problems.push({ path: `${path}${p.path === '/' ? '' : p.path}`, message: p.message });
    const intervalMs = ms(interval ?? f.defaults?.interval, 30_000);
    const timeoutMs = ms(timeout ?? f.defaults?.timeout, 5_000);
    if (intervalMs < 100) problems.push({ path: `${path}/interval`, message: 'must be at least 100ms' });
    if (timeoutMs > intervalMs) problems.push({ path: `${path}/timeout`, message: 'timeout must not exceed the interval' });
    const explicitRetry = retryInterval ?? f.defaults?.retryInterval;
    const retryIntervalMs = ms(explicitRetry, DEFAULT_RETRY_INTERVAL_MS);
    // the default simply has no effect on checks at 2 s or faster; a value given for this check must make sense
    if (explicitRetry !== undefined && retryIntervalMs > 0 && (retryIntervalMs < 100 || retryIntervalMs >= intervalMs))
      problems.push({ path: `${path}/retryInterval`, message: 'must be 0 (off) or at least 100ms and shorter than the interval' });
    checks.push({
      id,
      type,
      intervalMs,
      timeoutMs,
      retries: retries ?? f.defaults?.retries ?? 0,
      retryIntervalMs,
      confirmRetries: confirmRetries ?? f.defaults?.confirmRetries ?? 1,
      confirmOn: confirmOn ?? f.defaults?.confirmOn ?? DEFAULT_CONFIRM_ON,
      labels: { ...(f.labels ?? {}), ...(labels ?? {}) },
      options,
    });
  });
  const spool = spoolConfig(f.spool, problems);
  if (problems.length > 0)
    throw new VigilError('CONFIG_INVALID', `${source}: configuration is invalid (${problems.length} problem${problems.length === 1 ? '' : 's'})`, problems);
  return {
    collectorUrl: f.collector.url.replace(/\/$/, ''),
    configSource,
    stateDir: resolve(baseDir, f.stateDir),
    labels: f.labels ?? {},
    checks,
    batchMaxSamples: f.send?.batchMaxSamples ?? 500,
    flushIntervalMs: ms(f.send?.flushInterval, 2_000),
    queueMaxBatches: f.send?.queueMaxBatches,
    spool,
    heartbeatIntervalMs: ms(f.heartbeat?.interval, 15_000),
    scheduleSlotMs: f.schedule?.slot === undefined ? 10_000 : ms(f.schedule.slot, 10_000),
    host: { enabled: f.host?.enabled ?? true, intervalMs: ms(f.host?.interval, 30_000), links: f.host?.links ?? {} },
    logLevel: f.log?.level ?? 'info',
    memoryTrim: f.memory?.trim ?? true,
  };
}

export function loadAgentConfig(path: string, registry: ProbeRegistry): AgentConfig {
  return parseAgentConfig(readYamlFile(path), path, registry, dirname(resolve(path)));
}
