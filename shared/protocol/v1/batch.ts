import { Type, type Static } from 'typebox';
import { EpochMs, Id, Labels, MetricKey } from './common.js';

/** Why a check failed. A probe returns this; it never throws for a failing target. */
export const FAILURE_REASONS = [
  'timeout',
  'refused',
  'unreachable',
  'reset',
  'dns',
  'tls',
  'status',
  'keyword',
  'answer',
  'protocol',
  'loss',
  'latency',
  'mos',
  'expiry',
  'permission',
  'config',
  'error',
] as const;
export type FailureReason = (typeof FAILURE_REASONS)[number];
export const FailureReason = Type.Enum([...FAILURE_REASONS]);

/**
 * One check result. `status` is what the probe saw: `up`, `down`, or `degraded`
 * (reachable but below a quality threshold, e.g. MOS < 3.5); the collector's SLA
 * rules decide whether degraded counts as down.
 */
export const CheckResultSample = Type.Object(
  {
    kind: Type.Literal('check'),
    checkId: Id,
    /** Probe type: http, tcp, icmp, dns, tls, sip, voip … */
    type: Type.String({ pattern: '^[a-z][a-z0-9-]{0,31}$' }),
    ts: EpochMs,
    status: Type.Union([Type.Literal('up'), Type.Literal('down'), Type.Literal('degraded')]),
    reason: Type.Optional(FailureReason),
    message: Type.Optional(Type.String({ maxLength: 1024 })),
    durationMs: Type.Number({ minimum: 0 }),
    /** Measured figures, keyed with unit suffix: `rtt_avg_seconds`, `loss_ratio`, `mos`, `tls_cert_expiry_days` … */
    metrics: Type.Optional(Type.Record(MetricKey, Type.Number())),
    /** client / site / service labels from the agent config, plus any user labels. */
    labels: Type.Optional(Labels),
    /** Human description of the target (URL, host:port). */
    target: Type.Optional(Type.String({ maxLength: 512 })),
  },
  { additionalProperties: false },
);
export type CheckResultSample = Static<typeof CheckResultSample>;

/** One host/capacity metric: `host_cpu_usage_ratio`, `host_disk_used_bytes{mount}` … */
export const MetricSample = Type.Object(
  {
    kind: Type.Literal('metric'),
    name: MetricKey,
    ts: EpochMs,
    value: Type.Number(),
    labels: Type.Optional(Labels),
  },
  { additionalProperties: false },
);
export type MetricSample = Static<typeof MetricSample>;

export const Sample = Type.Union([CheckResultSample, MetricSample]);
export type Sample = Static<typeof Sample>;

export const MAX_SAMPLES_PER_BATCH = 5000;

/** POST /api/v1/ingest — idempotent by (agentId, seq): a replay is acknowledged and stored once. */
export const SampleBatch = Type.Object(
  {
    agentId: Id,
    /** Per-agent monotonically increasing batch number, starting at 1. */
    seq: Type.Integer({ minimum: 1 }),
    sentAt: EpochMs,
    samples: Type.Array(Sample, { maxItems: MAX_SAMPLES_PER_BATCH }),
  },
  { additionalProperties: false },
);
export type SampleBatch = Static<typeof SampleBatch>;

export const BatchAck = Type.Object({
  agentId: Id,
  seq: Type.Integer(),
  /** false when this (agentId, seq) had been stored before: the replay was acknowledged, nothing stored twice. */
  stored: Type.Boolean(),
  accepted: Type.Integer({ description: 'samples stored from this batch' }),
});
export type BatchAck = Static<typeof BatchAck>;
