import { closeSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import type { Logger } from '../../shared/logger.js';
import { syncDir } from '../../shared/spool/state-files.js';

/** One part of a split batch: samples [from, to) of the parent, sent under its own seq. */
export interface Leaf {
  seq: number;
  from: number;
  to: number;
  /** Acknowledged by the collector (or dropped as a single sample too large to send). */
  done: boolean;
}

export interface Split {
  /** The spooled batch that was split: its seq is never sent again with other content. */
  parent: number;
  leaves: Leaf[];
}

/** Completed splits remembered (a few bytes each) in case a power loss rolls the spool's cursor back to before their parent. */
const COMPLETED_KEPT = 1024;

/**
 * File `<stateDir>/spool-split.json`: how spooled batches were split (agent/src/batch-split.ts),
 * written atomically and fsynced before any part of a split is sent and after each part is
 * acknowledged. The spool record of the parent is left as it is (its seq, its full content);
 * the parts get fresh seqs from the spool's allocator. After a restart, a parent found here is
 * resent as the same parts under the same seqs (the collector's (agentId, seq) idempotency makes
 * the ones it had a no-op), never split afresh, so a crash at any point neither loses a sample
 * nor stores one twice. A parent whose parts were all acknowledged is remembered as completed
 * until start-up finds the spool past it, and acknowledged without sending if it comes back.
 */
export class SplitJournal {
  private splits: Split[] = [];
  private completed: number[] = [];

  constructor(
    /** Undefined: in memory only (tests, or a state dir that cannot be written). */
    private readonly path: string | undefined,
    private readonly logger: Logger,
  ) {}

  /** Reads the file; forgets what concerns batches before `headSeq` (the spool's oldest, Infinity when empty): they left the spool. */
  load(headSeq: number): void {
    if (!this.path) return;
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') this.logger.warn({ err: e, path: this.path }, 'split journal unreadable; starting without it');
      return;
    }
    try {
      const raw = JSON.parse(text) as { splits?: unknown; completed?: unknown };
      this.splits = (Array.isArray(raw.splits) ? raw.splits : []).filter(isSplit);
      this.completed = (Array.isArray(raw.completed) ? raw.completed : []).filter((s): s is number => Number.isSafeInteger(s));
    } catch {
      this.logger.warn({ path: this.path, bytes: text.length }, 'split journal is not valid JSON; starting without it');
    }
    const before = this.splits.length + this.completed.length;
    this.splits = this.splits.filter((s) => s.parent >= headSeq);
    this.completed = this.completed.filter((p) => p >= headSeq);
    if (this.splits.length + this.completed.length !== before) this.save();
  }

  /** The split of `parent`: 'completed', the split in progress, or undefined. */
  of(parent: number): Split | 'completed' | undefined {
    if (this.completed.includes(parent)) return 'completed';
    return this.splits.find((s) => s.parent === parent);
  }

  /** A new split, or a changed one (parts replaced by halves, parts acknowledged): durable when this returns. */
  record(split: Split): void {
    if (!this.splits.includes(split)) this.splits.push(split);
    this.save();
  }

  /** Every part acknowledged: remembered as completed (before the parent is acknowledged in the spool). */
  complete(split: Split): void {
    this.splits = this.splits.filter((s) => s !== split);
    this.completed.push(split.parent);
    if (this.completed.length > COMPLETED_KEPT) this.completed.splice(0, this.completed.length - COMPLETED_KEPT);
    this.save();
  }

  /** Splits in progress of batches before `headSeq`: the spool dropped them (spool.maxAge, maxBytes) meanwhile, nothing is left to send. */
  dropBefore(headSeq: number): void {
    if (!this.splits.some((s) => s.parent < headSeq)) return;
    this.splits = this.splits.filter((s) => s.parent >= headSeq);
    this.save();
  }

  private save(): void {
    if (!this.path) return;
    const tmp = `${this.path}.tmp`;
    let fd = -1;
    try {
      fd = openSync(tmp, 'w', 0o600);
      writeSync(fd, JSON.stringify({ v: 1, splits: this.splits, completed: this.completed }));
      fsyncSync(fd);
      closeSync(fd);
      fd = -1;
      renameSync(tmp, this.path);
      syncDir(this.path);
    } catch (err) {
      if (fd >= 0) closeSync(fd);
      // the split goes on from memory: only a crash before it completes could then send a part twice
      this.logger.warn({ err, path: this.path }, 'split journal not written (disk full?)');
    }
  }
}

function isSplit(v: unknown): v is Split {
  const s = v as Split;
  return (
    typeof s === 'object' &&
    s !== null &&
    Number.isSafeInteger(s.parent) &&
    Array.isArray(s.leaves) &&
    s.leaves.every((l) => Number.isSafeInteger(l.seq) && Number.isSafeInteger(l.from) && Number.isSafeInteger(l.to) && l.from < l.to)
  );
}
