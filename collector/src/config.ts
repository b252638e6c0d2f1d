import { dirname, resolve } from 'node:path';
import { Type, type Static } from 'typebox';
import { VigilError, type Problem } from '../../shared/errors.js';
import { MAX_SAMPLES_PER_BATCH } from '../../shared/protocol/v1/batch.js';
import { DurationSchema as Duration, parseDurationMs } from '../../shared/sla/duration.js';
import { readYamlFile } from '../../shared/yaml-file.js';
import { validator } from '../../shared/validate.js';
import type { EscalationRule } from './incidents/escalation.js';
import { channelConfigProblems, type ChannelConfig } from './notify/channel-config.js';
import type { StoreConfig } from './store/open-store.js';
import { MetricsSection, parseSecurity, readSecretFile, SecuritySection, type SecurityConfig } from './security-config.js';
import { ReportsSection, type ReportDeliveryConfig } from './reports/delivery-config.js';
import { parseSinks, sinkConfigProblems, type SinkConfig } from './sinks/sink-config.js';
import { FleetSection, fleetSettings, type FleetSettings } from './fleet/settings.js';
import { channelNameProblems, deliveryProblems, limitProblems } from './config-checks.js';

export const CollectorConfigSchema = Type.Object(
  {
    listen: Type.Optional(
      Type.Object({ host: Type.Optional(Type.String()), port: Type.Optional(Type.Integer({ minimum: 0, maximum: 65535 })) }, { additionalProperties: false }),
    ),
    dataDir: Type.String({ minLength: 1 }),
    store: Type.Optional(
      Type.Object(
        {
          type: Type.Enum(['sqlite', 'postgres']),
          url: Type.Optional(Type.String({ pattern: '^postgres(ql)?://' })),
          poolSize: Type.Optional(Type.Integer({ minimum: 1, maximum: 200 })),
        },
        { additionalProperties: false },
      ),
    ),
    adminToken: Type.Optional(Type.String({ minLength: 16 })),
    adminTokenFile: Type.Optional(Type.String()),
    publicUrl: Type.Optional(Type.String()),
    bodyLimitBytes: Type.Optional(Type.Integer({ minimum: 1024 })),
    /** What one agent may send; see IngestLimits. */
    limits: Type.Optional(
      Type.Object(
        {
          futureTolerance: Type.Optional(Duration),
          maxSampleAge: Type.Optional(Duration),
          maxSamplesPerBatch: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_SAMPLES_PER_BATCH })),
          checksPerAgent: Type.Optional(Type.Integer({ minimum: 1 })),
          seriesPerAgent: Type.Optional(Type.Integer({ minimum: 1 })),
          batchesPerSecond: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
          batchBurst: Type.Optional(Type.Integer({ minimum: 1 })),
        },
        { additionalProperties: false },
      ),
    ),
    retention: Type.Optional(Type.Object({ samplesDays: Type.Optional(Type.Integer({ minimum: 1 })) }, { additionalProperties: false })),
    state: Type.Optional(
      Type.Object(
        {
          confirmDown: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
          confirmUp: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
          staleAfterIntervals: Type.Optional(Type.Number({ minimum: 1 })),
          heartbeatLostAfter: Type.Optional(Duration),
          degradedAs: Type.Optional(Type.Enum(['down', 'up'])),
          sweepInterval: Type.Optional(Duration),
        },
        { additionalProperties: false },
      ),
    ),
    slaDir: Type.Optional(Type.String()),
    downloadsDir: Type.Optional(Type.String({ minLength: 1 })),
    notifications: Type.Optional(
      Type.Object(
        {
          /** Validated per channel type by channelConfigProblems (a union's errors would list every branch). */
          channels: Type.Optional(Type.Array(Type.Unknown())),
          /** Shorthand kept from the first release: generic JSON webhooks. */
          webhooks: Type.Optional(
            Type.Array(
              Type.Object(
                {
                  name: Type.String({ minLength: 1 }),
                  url: Type.String({ pattern: '^https?://' }),
                  secret: Type.Optional(Type.String()),
                  clients: Type.Optional(Type.Array(Type.String())),
                  timeout: Type.Optional(Duration),
                },
                { additionalProperties: false },
              ),
            ),
          ),
          retry: Type.Optional(
            Type.Object({ maxAttempts: Type.Optional(Type.Integer({ minimum: 1 })), baseDelay: Type.Optional(Duration) }, { additionalProperties: false }),
          ),
          escalation: Type.Optional(
            Type.Array(
              Type.Object(
                { after: Duration, priorities: Type.Optional(Type.Array(Type.String())), channels: Type.Optional(Type.Array(Type.String(), { minItems: 1 })) },
                { additionalProperties: false },
              ),
            ),
          ),
          ackSecret: Type.Optional(Type.String({ minLength: 16 })),
          earlyWarning: Type.Optional(
            Type.Object({ enabled: Type.Optional(Type.Boolean()), interval: Type.Optional(Duration) }, { additionalProperties: false }),
          ),
        },
        { additionalProperties: false },
      ),
    ),
    metrics: Type.Optional(MetricsSection),
    security: Type.Optional(SecuritySection),
    reports: Type.Optional(ReportsSection),
    /** Validated per sink type by sinkConfigProblems (README, "InfluxDB sink"). */
    sinks: Type.Optional(Type.Array(Type.Unknown(), { maxItems: 16 })),
    /** Central configuration of the agents (collector/src/fleet). */
    fleet: Type.Optional(FleetSection),
    log: Type.Optional(
      Type.Object({ level: Type.Optional(Type.Enum(['trace', 'debug', 'info', 'warn', 'error', 'silent'])) }, { additionalProperties: false }),
    ),
  },
  { additionalProperties: false },
);
export type CollectorConfigFile = Static<typeof CollectorConfigSchema>;

/** Bounds on what one agent sends (`limits:` in the config), advertised to agents. */
export interface IngestLimits {
  /** A sample dated more than this ahead of the collector's clock is refused (default 2 min). */
  futureToleranceMs: number;
  /** A sample older than this is refused (default 7 d); keep the agents' spool max age at or below it. */
  maxSampleAgeMs: number;
  /** More samples in one batch: 413, the agent splits it (default and ceiling 5000). */
  maxSamplesPerBatch: number;
  /** Distinct check ids per agent (default 1000). */
  checksPerAgent: number;
  /** Series per agent: check ids + (check id, metric key) pairs + host metric (name, label set)s (default 10,000). */
  seriesPerAgent: number;
  /** Token bucket per agent: batches per second sustained (default 50) and burst (default 2 × rate). */
  batchesPerSecond: number;
  batchBurst: number;
}

/** Resolved config: defaults applied, durations in ms, paths absolute. */
export interface CollectorConfig {
  host: string;
  port: number;
  dataDir: string;
  /** SQLite in dataDir by default; PostgreSQL when `store.type: postgres` or VIGIL_STORE_URL names one. */
  store: StoreConfig;
  adminToken: string | undefined;
  publicUrl: string | undefined;
  bodyLimitBytes: number;
  limits: IngestLimits;
  samplesRetentionDays: number;
  confirmDown: number;
  confirmUp: number;
  staleAfterIntervals: number;
  heartbeatLostAfterMs: number | undefined;
  degradedAs: 'down' | 'up';
  sweepIntervalMs: number;
  slaDir: string | undefined;
  /** Agent builds served at GET /downloads/… (routes/downloads.ts); unset: dist/sea of the package. */
  downloadsDir: string | undefined;
  /** Every notification channel, the `webhooks` shorthand included as `type: webhook`. */
  channels: ChannelConfig[];
  escalation: EscalationRule[];
  ackSecret: string | undefined;
  /** 0 = early warning off. */
  earlyWarningIntervalMs: number;
  retryMaxAttempts: number;
  retryBaseDelayMs: number;
  logLevel: string;
  /** metrics: and security: (security-config.ts). */
  security: SecurityConfig;
  /** reports.deliveries: scheduled contract reports. */
  reportDeliveries: ReportDeliveryConfig[];
  /** sinks: where stored samples are also written (InfluxDB 2, VictoriaMetrics). */
  sinks: SinkConfig[];
  /** fleet: central configuration (configDir unset: none). */
  fleet: FleetSettings;
}

const check = validator(CollectorConfigSchema);

export function parseCollectorConfig(raw: unknown, source: string, baseDir = process.cwd(), env = process.env): CollectorConfig {
  const problems = check.problems(raw);
  const notifications = (raw as { notifications?: { channels?: unknown; webhooks?: unknown; escalation?: unknown } } | null)?.notifications;
  if (notifications?.channels !== undefined) problems.push(...channelConfigProblems(notifications.channels));
  problems.push(...channelNameProblems(notifications));
  problems.push(...limitProblems((raw as { limits?: unknown } | null)?.limits));
  problems.push(...deliveryProblems(raw as CollectorConfigFile | null));
  problems.push(...sinkConfigProblems((raw as { sinks?: unknown } | null)?.sinks));
  if (problems.length > 0)
    throw new VigilError('CONFIG_INVALID', `${source}: configuration is invalid (${problems.length} problem${problems.length === 1 ? '' : 's'})`, problems);
  const f = raw as CollectorConfigFile;
  const storeUrl = env.VIGIL_STORE_URL ?? f.store?.url;
  if (f.store?.type === 'postgres' && !storeUrl) {
    throw new VigilError('CONFIG_INVALID', `${source}: configuration is invalid`, [
      { path: '/store/url', message: 'store.type postgres needs a url (postgres://user:password@host:5432/db) or VIGIL_STORE_URL' },
    ]);
  }
  if (env.VIGIL_STORE_URL !== undefined && !/^postgres(ql)?:\/\//.test(env.VIGIL_STORE_URL)) {
    throw new VigilError('CONFIG_INVALID', 'VIGIL_STORE_URL must be a postgres:// URL', [
      { path: 'env:VIGIL_STORE_URL', message: 'expected postgres://user:password@host:5432/db' },
    ]);
  }
  const dataDir = resolve(baseDir, f.dataDir);
  const store: StoreConfig =
    storeUrl && f.store?.type !== 'sqlite'
      ? { type: 'postgres', url: storeUrl, ...(f.store?.poolSize ? { poolSize: f.store.poolSize } : {}) }
      : { type: 'sqlite', dataDir };
  let adminToken = env.VIGIL_ADMIN_TOKEN ?? f.adminToken;
  if (!adminToken && f.adminTokenFile) adminToken = readSecretFile(resolve(baseDir, f.adminTokenFile), '/adminTokenFile', source);
  const security = parseSecurity(f.metrics, f.security, source, baseDir, env);
  const ms = (v: string | number | undefined, dflt: number) => (v === undefined ? dflt : (parseDurationMs(v) ?? dflt));
  const n = f.notifications;
  const channels = [...((n?.channels ?? []) as ChannelConfig[]), ...(n?.webhooks ?? []).map((w) => ({ ...w, type: 'webhook' as const }) as ChannelConfig)];
  return {
    host: f.listen?.host ?? '127.0.0.1',
    port: f.listen?.port ?? 8460,
    dataDir,
    store,
    adminToken,
    publicUrl: f.publicUrl,
    bodyLimitBytes: f.bodyLimitBytes ?? 1024 * 1024,
    limits: {
      futureToleranceMs: ms(f.limits?.futureTolerance, 2 * 60_000),
      maxSampleAgeMs: ms(f.limits?.maxSampleAge, 7 * 86_400_000),
      maxSamplesPerBatch: f.limits?.maxSamplesPerBatch ?? MAX_SAMPLES_PER_BATCH,
      checksPerAgent: f.limits?.checksPerAgent ?? 1000,
      seriesPerAgent: f.limits?.seriesPerAgent ?? 10_000,
      batchesPerSecond: f.limits?.batchesPerSecond ?? 50,
      batchBurst: f.limits?.batchBurst ?? Math.max(1, Math.ceil(2 * (f.limits?.batchesPerSecond ?? 50))),
    },
    samplesRetentionDays: f.retention?.samplesDays ?? 35,
    confirmDown: f.state?.confirmDown ?? 2,
    confirmUp: f.state?.confirmUp ?? 1,
    staleAfterIntervals: f.state?.staleAfterIntervals ?? 3,
    heartbeatLostAfterMs: f.state?.heartbeatLostAfter === undefined ? undefined : ms(f.state.heartbeatLostAfter, 0),
    degradedAs: f.state?.degradedAs ?? 'down',
    sweepIntervalMs: ms(f.state?.sweepInterval, 1000),
    slaDir: f.slaDir ? resolve(baseDir, f.slaDir) : undefined,
    downloadsDir: f.downloadsDir ? resolve(baseDir, f.downloadsDir) : undefined,
    channels,
    escalation: (n?.escalation ?? []).map((e) => ({
      afterMs: ms(e.after, 0),
      ...(e.priorities ? { priorities: e.priorities } : {}),
      ...(e.channels ? { channels: e.channels } : {}),
    })),
    ackSecret: security.ackSecret ?? n?.ackSecret,
    earlyWarningIntervalMs: n?.earlyWarning?.enabled === false ? 0 : ms(n?.earlyWarning?.interval, 30_000),
    retryMaxAttempts: f.notifications?.retry?.maxAttempts ?? 8,
    retryBaseDelayMs: ms(f.notifications?.retry?.baseDelay, 1000),
    logLevel: f.log?.level ?? 'info',
    security,
    reportDeliveries: f.reports?.deliveries ?? [],
    sinks: parseSinks(f.sinks, source, baseDir, dataDir),
    fleet: fleetSettings(f.fleet, baseDir),
  };
}

export function loadCollectorConfig(path: string): CollectorConfig {
  return parseCollectorConfig(readYamlFile(path), path, dirname(resolve(path)));
}
