import type { Clock } from '../clock.js';
import type { Logger } from '../logger.js';
import type { Recovered } from './recovery.js';
import type { SegmentInfo } from './segment-scan.js';

/** A recurring condition (drops, damage met while reading) is logged at most this often, with totals. */
const REPEAT_LOG_MS = 10 * 60_000;

export type DropReason = 'maxBytes' | 'maxAge' | 'maxBatches' | 'memory' | 'tooLarge';

/**
 * What the spool counts and says: one log line per condition (start-up damage, disk full, a failing
 * sync …), not one per record, and the counters the heartbeat reports. Counters of damage are since
 * this process started; drop counters live in the cursor file and survive restarts.
 */
export class SpoolEvents {
  /** Damaged regions skipped (bad magic, length or CRC, a foreign segment file, a repeated seq). */
  corruptRecords = 0;
  /** Incomplete records cut off the end of a segment at start-up. */
  tornRecords = 0;
  /** Appends the disk refused (each then waited in memory). */
  diskRefusals = 0;
  private diskRefusing = false;
  private readonly lastLogAt = new Map<string, number>();

  constructor(
    private readonly logger: Logger,
    private readonly clock: Clock,
  ) {}

  private due(key: string): boolean {
    const now = this.clock.now();
    const last = this.lastLogAt.get(key);
    if (last !== undefined && now - last < REPEAT_LOG_MS) return false;
    this.lastLogAt.set(key, now);
    return true;
  }

  private once(key: string): boolean {
    if (this.lastLogAt.has(key)) return false;
    this.lastLogAt.set(key, this.clock.now());
    return true;
  }

  recovered(r: Recovered, segments: readonly SegmentInfo[], nextSeq: number): void {
    this.corruptRecords += r.corrupt + r.duplicates;
    this.tornRecords += r.tornRecords;
    const batches = segments.reduce((n, s) => n + s.batches, 0);
    if (batches > 0) this.logger.info({ batches, segments: segments.length, nextSeq }, 'spool: batches from before the restart will be sent first');
    if (r.corrupt + r.duplicates + r.tornRecords + r.foreign.length + r.unreadable.length === 0) return;
    this.logger.warn(
      {
        damagedRegions: r.corrupt,
        repeatedSeqs: r.duplicates,
        tornTails: r.tornRecords,
        tornBytes: r.tornBytes,
        foreignFiles: r.foreign.slice(0, 10),
        unreadableSegments: r.unreadable.slice(0, 10),
      },
      'spool: skipped what could not be read (a crash or power loss mid-write, or a damaged file); everything intact is kept',
    );
  }

  corruptAtRead(segment: string): void {
    this.corruptRecords++;
    if (this.due('corrupt')) this.logger.warn({ segment, corruptRecords: this.corruptRecords }, 'spool: skipped a damaged record while reading');
  }

  dropped(reason: DropReason, batches: number, samples: number, total: { droppedBatches: number; droppedSamples: number }): void {
    if (batches === 0 || !this.due(`drop:${reason}`)) return;
    const why = {
      maxBytes: 'spool.maxBytes reached: dropped the oldest segment',
      maxAge: 'batches older than spool.maxAge dropped',
      maxBatches: 'send.queueMaxBatches reached: dropped the oldest batch',
      memory: 'disk full and the memory buffer full: dropped the oldest batch in memory',
      tooLarge: 'a batch larger than a spool record may be (16 MiB) was dropped: lower send.batchMaxSamples',
    }[reason];
    this.logger.warn({ reason, batches, samples, ...total }, `spool: ${why}`);
  }

  diskRefused(e: NodeJS.ErrnoException, memorySamples: number): void {
    this.diskRefusals++;
    if (this.diskRefusing) return;
    this.diskRefusing = true;
    this.logger.warn(
      { code: e.code, message: e.message, memorySamples },
      'spool: the disk refuses writes; keeping the newest batches in memory (bounded) until it takes them again',
    );
  }

  diskWritable(): void {
    if (!this.diskRefusing) return;
    this.diskRefusing = false;
    this.logger.info({ refusedAppends: this.diskRefusals }, 'spool: the disk takes writes again; batches kept in memory are written out');
  }

  syncFailed(e: NodeJS.ErrnoException): void {
    if (this.due(`sync:${e.code}`)) this.logger.error({ code: e.code, message: e.message }, 'spool: fsync failed; data is in the page cache only');
  }

  cursorWriteFailed(e: NodeJS.ErrnoException): void {
    if (this.due('cursor')) this.logger.warn({ code: e.code }, 'spool: cannot write cursor.json; after a restart some acknowledged batches will be resent');
  }

  cursorUnreadable(problem: string): void {
    this.logger.warn({ problem }, 'spool: cursor.json unreadable; batches still on disk will be resent (the collector stores each seq once)');
  }

  seqNotDurable(e?: NodeJS.ErrnoException): void {
    if (this.once('seq')) this.logger.error({ code: e?.code }, 'spool: cannot persist the seq reservation; a power loss could make the agent reuse a seq');
  }
}
