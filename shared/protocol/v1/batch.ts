import { Type, type Static } from 'typebox';
import { EpochMs, Id, MetricKey } from './common.js';

/** Per-sample bounds of v1; the collector advertises them in `CollectorLimits`. */
export const MAX_LABELS_PER_SAMPLE = 32;
export const MAX_METRICS_PER_SAMPLE = 64;
export const MAX_LABEL_VALUE_LENGTH = 256;
/** Label keys are Prometheus label names (the pattern of `Labels` in common.ts). */
export const LABEL_KEY_PATTERN = '^[a-zA-Z_][a-zA-Z0-9_]{0,63}$';

/**
 * A sample's labels: keys held to the pattern (a key outside it is an error, not ignored),
 * string values of bounded length, a bounded count. `Labels` alone lets other keys through.
 */
export const SampleLabels = Type.Record(Type.String({ pattern: LABEL_KEY_PATTERN }), Type.String({ maxLength: MAX_LABEL_VALUE_LENGTH }), {
  additionalProperties: false,
  maxProperties: MAX_LABELS_PER_SAMPLE,
});
/** A result's measured figures: `MetricKey` keys only, finite numbers, a bounded count. */
export const SampleMetrics = Type.Record(MetricKey, Type.Number(), { additionalProperties: false, maxProperties: MAX_METRICS_PER_SAMPLE });

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
    metrics: Type.Optional(SampleMetrics),
    /** client / site / service labels from the agent config, plus any user labels. */
    labels: Type.Optional(SampleLabels),
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
    labels: Type.Optional(SampleLabels),
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
    seq: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }),
    sentAt: EpochMs,
    samples: Type.Array(Sample, { maxItems: MAX_SAMPLES_PER_BATCH }),
  },
  { additionalProperties: false },
);
export type SampleBatch = Static<typeof SampleBatch>;

/**
 * What the collector validates of a batch as a whole (400 VIGIL_ERR_BODY_INVALID on any
 * problem). Each sample is then checked on its own against `Sample` and the collector's
 * limits; a sample at fault is refused alone and the others are stored (`BatchAck.refused`).
 */
export const SampleBatchEnvelope = Type.Object(
  {
    agentId: Id,
    seq: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }),
    sentAt: Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER }),
    samples: Type.Array(Type.Unknown(), { maxItems: MAX_SAMPLES_PER_BATCH }),
  },
  { additionalProperties: false },
);
export type SampleBatchEnvelope = Static<typeof SampleBatchEnvelope>;

/** One sample the collector refused: its index in `samples`, a `VIGIL_ERR_*` code, why. */
export const SampleRefusal = Type.Object({
  index: Type.Integer({ minimum: 0 }),
  code: Type.String(),
  message: Type.String(),
});
export type SampleRefusal = Static<typeof SampleRefusal>;

export const BatchAck = Type.Object({
  agentId: Id,
  seq: Type.Integer(),
  /** false when this (agentId, seq) had been stored before: the replay was acknowledged, nothing stored twice. */
  stored: Type.Boolean(),
  accepted: Type.Integer({ description: 'samples stored from this batch' }),
  /**
   * Samples refused, each for its own fault (bad timestamp, key, size, a per-agent limit);
   * absent when none was. The agent drops them and does not send them again. A batch whose
   * every sample was refused still consumes its seq (stored: true, accepted: 0).
   */
  refused: Type.Optional(Type.Array(SampleRefusal)),
});
export type BatchAck = Static<typeof BatchAck>;

/**
 * The collector's limits, advertised in the enrollment answer and every heartbeat answer so
 * an agent never builds a batch over them. Optional fields may be absent from other collectors.
 */
export const CollectorLimits = Type.Object({
  /** Largest request body, bytes (413 above). */
  maxBatchBytes: Type.Integer(),
  /** Most samples in one batch (413 above: split it). */
  maxSamplesPerBatch: Type.Integer(),
  /** A sample dated further ahead of the collector's clock is refused (VIGIL_ERR_SAMPLE_TIME). */
  futureToleranceSeconds: Type.Number(),
  /** A sample older than this is refused (VIGIL_ERR_SAMPLE_TIME); keep the agent's spool max age at or below it. */
  maxSampleAgeSeconds: Type.Number(),
  /** Sustained batches per second per agent (429 + Retry-After above the burst). */
  batchesPerSecond: Type.Number(),
  batchBurst: Type.Optional(Type.Integer()),
  maxLabelsPerSample: Type.Optional(Type.Integer()),
  maxLabelValueLength: Type.Optional(Type.Integer()),
  maxMetricsPerSample: Type.Optional(Type.Integer()),
  checksPerAgent: Type.Optional(Type.Integer()),
  seriesPerAgent: Type.Optional(Type.Integer()),
});
export type CollectorLimits = Static<typeof CollectorLimits>;
