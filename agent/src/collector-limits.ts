import type { Logger } from '../../shared/logger.js';
import { MAX_SAMPLES_PER_BATCH } from '../../shared/protocol/v1/batch.js';
import { readState, writeState, type AgentState } from './state.js';

/** What the agent builds and paces its batches by: the part of the collector's advertised `CollectorLimits` it needs. */
export interface BatchLimits {
  /** Largest request body, bytes. */
  maxBatchBytes: number;
  maxSamplesPerBatch: number;
  /** Sustained batches per second the collector takes from one agent. */
  batchesPerSecond: number;
}

/**
 * Until a collector has advertised its limits (an agent enrolled before limits were advertised,
 * or a collector that does not send them): the collector's own defaults, which v1 collectors
 * without the setting also have (bodyLimitBytes 1 MiB, the v1 sample ceiling, 50 batches/s).
 */
export const DEFAULT_LIMITS: Readonly<BatchLimits> = { maxBatchBytes: 1024 * 1024, maxSamplesPerBatch: MAX_SAMPLES_PER_BATCH, batchesPerSecond: 50 };

/** Bounds on advertised figures: a value outside them is garbage (or hostile) and is not taken. */
const BOUNDS: Record<keyof BatchLimits, [number, number]> = {
  maxBatchBytes: [1024, 1024 ** 3],
  maxSamplesPerBatch: [1, MAX_SAMPLES_PER_BATCH],
  batchesPerSecond: [0.001, 1_000_000],
};

/** The figures of an advertised `limits` object that are in bounds, over `base`; undefined when `raw` is not an object. */
export function readLimits(raw: unknown, base: Readonly<BatchLimits> = DEFAULT_LIMITS): BatchLimits | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const out = { ...base };
  for (const key of Object.keys(BOUNDS) as Array<keyof BatchLimits>) {
    const v = (raw as Record<string, unknown>)[key];
    const [min, max] = BOUNDS[key];
    if (typeof v === 'number' && Number.isFinite(v) && v >= min && v <= max) out[key] = key === 'batchesPerSecond' ? v : Math.floor(v);
  }
  return out;
}

/** The `limits` of an answer's JSON body (heartbeat ack, enrollment), if any. */
export function limitsInAnswer(body: string): unknown {
  try {
    return (JSON.parse(body) as { limits?: unknown }).limits;
  } catch {
    return undefined;
  }
}

const same = (a: BatchLimits, b: BatchLimits) =>
  a.maxBatchBytes === b.maxBatchBytes && a.maxSamplesPerBatch === b.maxSamplesPerBatch && a.batchesPerSecond === b.batchesPerSecond;

/**
 * The collector's last advertised limits, kept in agent.json (`limits`) so that a restart
 * builds its first batches within them before any heartbeat has been answered.
 */
export class LimitsKeeper {
  private current: BatchLimits;

  constructor(
    private readonly state: AgentState,
    /** Where agent.json is; undefined: kept in memory only. */
    private readonly stateDir: string | undefined,
    private readonly logger: Logger,
  ) {
    this.current = readLimits(state.limits) ?? { ...DEFAULT_LIMITS };
  }

  get limits(): Readonly<BatchLimits> {
    return this.current;
  }

  /** An answer advertised `raw`: taken, and written to agent.json when it changed. */
  advertised(raw: unknown): void {
    const next = readLimits(raw, this.current);
    if (!next || same(next, this.current)) return;
    this.logger.info({ limits: next, before: this.current }, 'collector limits changed: batches are built within them');
    this.current = next;
    this.state.limits = next;
    if (this.stateDir) this.persist(this.stateDir, next);
  }

  /** Merged into what is on disk now (written by `vigil agent enroll` meanwhile, perhaps): never overwrites another identity. */
  private persist(dir: string, limits: BatchLimits): void {
    try {
      const onDisk = readState(dir);
      if (onDisk.agentToken !== this.state.agentToken) return; // re-enrolled: the new identity learns its own limits
      writeState(dir, { ...onDisk, limits });
    } catch (err) {
      this.logger.warn({ err }, 'could not keep the collector limits in agent.json; they hold until the agent restarts');
    }
  }
}
