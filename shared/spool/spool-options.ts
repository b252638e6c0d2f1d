import type { FsyncPolicy } from './segment-writer.js';
import type { DropReason } from './spool-events.js';

/** How a spool is set up (the agent's openSpool makes these from its config; the collector's sinks from theirs). */
export interface SpoolOptions {
  /** The agent's `<stateDir>/spool`, a sink's `<dataDir>/sinks/<name>`. */
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
  /** Told of every drop as it happens (the totals also stay in the cursor file): a sink's per-reason counters. */
  onDrop?: (reason: DropReason, batches: number, samples: number) => void;
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
