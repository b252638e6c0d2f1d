import { type CollectorLimits, MAX_LABEL_VALUE_LENGTH, MAX_LABELS_PER_SAMPLE, MAX_METRICS_PER_SAMPLE } from '../../../shared/protocol/v1/batch.js';
import type { CollectorConfig } from '../config.js';

/** The limits an agent must build its batches within, as sent in the enrollment and heartbeat answers. */
export function advertisedLimits(config: Pick<CollectorConfig, 'bodyLimitBytes' | 'limits'>): CollectorLimits {
  const l = config.limits;
  return {
    maxBatchBytes: config.bodyLimitBytes,
    maxSamplesPerBatch: l.maxSamplesPerBatch,
    futureToleranceSeconds: l.futureToleranceMs / 1000,
    maxSampleAgeSeconds: l.maxSampleAgeMs / 1000,
    batchesPerSecond: l.batchesPerSecond,
    batchBurst: l.batchBurst,
    maxLabelsPerSample: MAX_LABELS_PER_SAMPLE,
    maxLabelValueLength: MAX_LABEL_VALUE_LENGTH,
    maxMetricsPerSample: MAX_METRICS_PER_SAMPLE,
    checksPerAgent: l.checksPerAgent,
    seriesPerAgent: l.seriesPerAgent,
  };
}
