import { join } from 'node:path';
import type { Clock } from '../../../shared/clock.js';
import { VigilError } from '../../../shared/errors.js';
import type { Logger } from '../../../shared/logger.js';
import type { AgentConfig } from '../config.js';
import type { AgentState } from '../state.js';
import { Spool } from './spool.js';
import type { FsyncPolicy } from './segment-writer.js';

/** How a spool is set up (openSpool below makes these from the agent config). */
export interface SpoolOptions {
  /** `<stateDir>/spool`. */
  dir: string;
  fsync: FsyncPolicy;
  /** Bound on the segment files together: past it the oldest segment is dropped. */
  maxBytes: number;
  /** Batches sealed longer ago are dropped. */
  maxAgeMs: number;
  /** Optional bound on batches waiting (`send.queueMaxBatches`): past it the oldest batch is dropped. */
  maxBatches?: number;
  /** Segment roll size; default maxBytes / 8 within [64 KiB, 4 MiB]. */
  segmentBytes?: number;
  /** While the disk refuses writes, the newest batches up to this many samples wait in memory (default 1,000). */
  memorySamples?: number;
  /** Seqs up to this were used before (agent.json of an agent from before the spool). */
  seqFloor?: number;
}

/** A batch read back for sending: `payload` is its JSON text without agentId and sentAt. */
export interface SpooledBatch {
  readonly seq: number;
  readonly sealedAt: number;
  readonly samples: number;
  readonly payload: string;
}

export interface SpoolStats {
  batches: number;
  samples: number;
  /** Bytes of the batches waiting; `diskBytes` is what the segment files take (what maxBytes bounds). */
  bytes: number;
  diskBytes: number;
  oldestAgeSeconds: number;
  droppedBatches: number;
  droppedSamples: number;
  corruptRecords: number;
  tornRecords: number;
  memoryBatches: number;
  segments: number;
}

/**
 * The agent's spool in `<stateDir>/spool`, from the config. What is in the directory never stops
 * the agent (damage is skipped and counted); a directory the agent cannot create or list does, with
 * a coded error naming it.
 */
export function openSpool(config: AgentConfig, state: AgentState, clock: Clock, logger: Logger): Spool {
  const dir = join(config.stateDir, 'spool');
  const { fsync, maxBytes, maxAgeMs } = config.spool;
  try {
    return new Spool({ dir, fsync, maxBytes, maxAgeMs, maxBatches: config.queueMaxBatches, seqFloor: state.lastSeq }, clock, logger);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
    throw new VigilError('PERMISSION', `cannot use the spool directory ${dir} (${code}): the agent needs it writable`, [], { cause: e });
  }
}
