import type { ErrorCode } from '../../../shared/errors.js';
import type { Sample } from '../../../shared/protocol/v1/batch.js';
import type { IngestLimits } from '../config.js';

export interface Refusal {
  code: ErrorCode;
  message: string;
}

/** A compiled validator of ajv's shape: fastify's route compiler makes them (`req.compileValidationSchema`, cached). */
export type ValidateFn = ((value: unknown) => unknown) & {
  errors?: ReadonlyArray<{ instancePath: string; message?: string; keyword: string; params: Record<string, unknown> }> | null;
};
/** Validators of `CheckResultSample` and `MetricSample`; the envelope's engine (ajv); measured 0.38 ms per 500 samples against TypeBox's 0.47. */
export interface SampleShapes {
  check: ValidateFn;
  metric: ValidateFn;
}

const MAX_LISTED = 5;
/** The largest ms a Date can show (±8.64e15); beyond it only the number is printed. */
const MAX_DATE_MS = 8.64e15;

const iso = (ms: number) => (Math.abs(ms) <= MAX_DATE_MS ? new Date(ms).toISOString() : 'beyond any date');
const span = (ms: number) =>
  ms >= 172_800_000 ? `${Math.round(ms / 86_400_000)} d` : ms >= 120_000 ? `${Math.round(ms / 60_000)} min` : `${Math.round(ms / 1000)} s`;

function describe(errors: NonNullable<ValidateFn['errors']>): string {
  const listed = errors.slice(0, MAX_LISTED).map((e) => {
    const path = e.instancePath || '/';
    if (e.keyword === 'additionalProperties')
      return `${path}: key ${JSON.stringify(String(e.params.additionalProperty))} is not allowed (an unknown field, or a key outside the pattern)`;
    return `${path}: ${e.message ?? 'invalid'}`;
  });
  if (errors.length > MAX_LISTED) listed.push(`and ${errors.length - MAX_LISTED} more`);
  return listed.join('; ');
}

/**
 * A sample's own faults, one sample at a time: its shape (v1 schema, with bounded keys,
 * labels and metrics) and its timestamp against the collector's clock. Cheap when the
 * sample is good (one compiled check, two comparisons); the messages are built only for
 * a refusal.
 */
export class SampleChecker {
  constructor(private readonly limits: Pick<IngestLimits, 'futureToleranceMs' | 'maxSampleAgeMs'>) {}

  /** Why this sample is refused, or undefined when it is well formed and inside the time window. */
  refusal(s: unknown, now: number, shapes: SampleShapes): Refusal | undefined {
    const kind = typeof s === 'object' && s !== null ? (s as { kind?: unknown }).kind : undefined;
    const valid = kind === 'check' ? shapes.check : kind === 'metric' ? shapes.metric : undefined;
    if (!valid) return { code: 'VIGIL_ERR_SAMPLE_INVALID', message: 'a sample must be an object with kind "check" or "metric"' };
    if (valid(s) !== true) return { code: 'VIGIL_ERR_SAMPLE_INVALID', message: describe(valid.errors ?? []) };
    return this.timeRefusal((s as Sample).ts, now);
  }

  private timeRefusal(ts: number, now: number): Refusal | undefined {
    const { futureToleranceMs, maxSampleAgeMs } = this.limits;
    if (ts > now + futureToleranceMs)
      return {
        code: 'VIGIL_ERR_SAMPLE_TIME',
        message: `ts ${ts} (${iso(ts)}) is ${span(ts - now)} ahead of the collector's clock; at most ${span(futureToleranceMs)} is accepted (limits.futureTolerance): check the agent's clock`,
      };
    if (ts < now - maxSampleAgeMs)
      return {
        code: 'VIGIL_ERR_SAMPLE_TIME',
        message: `ts ${ts} (${iso(ts)}) is ${span(now - ts)} old; at most ${span(maxSampleAgeMs)} is accepted (limits.maxSampleAge)`,
      };
    return undefined;
  }
}
