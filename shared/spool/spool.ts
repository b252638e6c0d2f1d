import { join } from 'node:path';
import type { Clock } from '../clock.js';
import type { Logger } from '../logger.js';
import { OverflowBuffer } from './overflow-buffer.js';
import { RecordReader } from './record-reader.js';
import { batchPayload, Crc32c, frameHeader, HEADER_BYTES, MAX_PAYLOAD_BYTES } from './record.js';
import { recoverSegments } from './recovery.js';
import { SegmentList } from './segment-list.js';
import type { SegmentInfo } from './segment-scan.js';
import { SegmentWriter } from './segment-writer.js';
import { readCursor, SeqFile, writeCursor, type Cursor } from './state-files.js';
import { SpoolEvents, type DropReason } from './spool-events.js';
import type { SpooledBatch, SpoolOptions, SpoolStats } from './spool-options.js';

export type { SpooledBatch, SpoolOptions, SpoolStats };

interface Head extends SpooledBatch {
  /** The segment it was read from, and the offset after it; no segment: the first batch of the memory buffer. */
  seg: SegmentInfo | undefined;
  next: number;
}

/** Seqs reserved durably per write of the seq file. */
const SEQ_BLOCK = 64;
/** Acknowledgements between cursor writes while a backlog drains (a lost write resends at most that many). */
const COMMIT_EVERY = 32;

/**
 * A queue of sealed batches on disk, the agent's spool and each collector sink's buffer (README, "Spool"): append-only segments of
 * CRC-framed records, read back in seq order, each segment deleted once all its batches are
 * acknowledged. In memory: one entry per segment, the batch at the head, and — only while the
 * disk refuses writes — a small buffer of the newest batches. One process per directory.
 */
export class Spool {
  private readonly crc = new Crc32c();
  private readonly reader = new RecordReader(this.crc);
  private readonly header = Buffer.alloc(HEADER_BYTES);
  private readonly cursorPath: string;
  private readonly cursor: Cursor;
  private readonly seqFile: SeqFile;
  private readonly segments: SegmentList;
  private readonly writer: SegmentWriter;
  private readonly memory: OverflowBuffer;
  readonly events: SpoolEvents;
  private nextSeq: number;
  private head: Head | undefined;
  private uncommitted = 0;

  constructor(
    private readonly opts: SpoolOptions,
    private readonly clock: Clock,
    logger: Logger,
  ) {
    this.events = new SpoolEvents(logger, clock);
    this.cursorPath = join(opts.dir, 'cursor.json');
    const { cursor, problem } = readCursor(this.cursorPath);
    this.cursor = cursor;
    if (problem) this.events.cursorUnreadable(problem);
    const rec = recoverSegments(opts.dir, this.reader, cursor.ackedSeq);
    this.seqFile = new SeqFile(join(opts.dir, 'seq'), this.crc);
    let reserved = 0;
    try {
      reserved = this.seqFile.open();
    } catch (e) {
      this.events.seqNotDurable(e as NodeJS.ErrnoException);
    }
    this.nextSeq = Math.max(reserved, rec.maxSeq, cursor.ackedSeq, opts.seqFloor ?? 0) + 1;
    this.events.recovered(rec, rec.segments, this.nextSeq);
    const segmentBytes = opts.segmentBytes ?? Math.max(64 * 1024, Math.min(4 * 1024 * 1024, Math.floor(opts.maxBytes / 8)));
    this.writer = new SegmentWriter(opts.dir, rec.lastId, segmentBytes, opts.fsync, clock, (e) => this.events.syncFailed(e));
    this.segments = new SegmentList(rec.segments, this.reader, this.writer, this.events);
    const newest = rec.segments.at(-1);
    if (newest && newest.id === rec.lastId) this.writer.resume(newest);
    this.memory = new OverflowBuffer(opts.memorySamples ?? 1000);
    this.enforceBounds();
    this.reader.shrink();
  }

  /** Seals a batch of `samples` samples (`samplesJson`: their JSON array) into the spool; returns its seq. */
  append(samplesJson: string, samples: number): number {
    const seq = this.reserveSeq();
    const sealedAt = this.clock.now();
    const text = batchPayload(seq, samplesJson);
    const payload = Buffer.from(text, 'utf8');
    if (payload.length > MAX_PAYLOAD_BYTES) {
      this.countDrop('tooLarge', 1, samples); // a record the reader would refuse: never written (the seq stays unused)
      return seq;
    }
    this.drainMemory();
    if (this.memory.length === 0 && this.writeToDisk(seq, sealedAt, samples, payload)) {
      // the usual case, nothing else waiting: it is the head, sent from memory without reading it back
      const seg = this.writer.active!;
      if (!this.head && this.segments.batches() === 1) this.head = { seq, sealedAt, samples, payload: text, seg, next: seg.size };
    } else
      for (const d of this.memory.push({ seq, sealedAt, samples, payload })) {
        if (this.head && !this.head.seg && this.head.seq === d.seq) this.head = undefined;
        this.countDrop('memory', 1, d.samples); // never on disk: the cursor stays where it is
      }
    this.enforceBounds();
    return seq;
  }

  /**
   * A seq never used before and never handed out again, also after a crash (reserved durably
   * like append's): for batches sent without being appended, the halves of a split batch
   * (agent/src/batch-split.ts).
   */
  reserveSeq(): number {
    const seq = this.nextSeq++;
    if (seq > this.seqFile.reserved) {
      const err = this.seqFile.reserve(seq + SEQ_BLOCK - 1);
      if (err) this.events.seqNotDurable(err);
    }
    return seq;
  }

  private writeToDisk(seq: number, sealedAt: number, samples: number, payload: Buffer): boolean {
    frameHeader(this.crc, this.header, payload, seq, sealedAt, samples);
    try {
      this.segments.appended(this.writer.append(this.header, payload, seq, sealedAt, samples));
      this.events.diskWritable();
      return true;
    } catch (e) {
      this.events.diskRefused(e as NodeJS.ErrnoException, this.memory.samples);
      return false;
    }
  }

  /** Batches kept in memory while the disk was full go to disk first, in seq order, as soon as it takes them. */
  private drainMemory(): void {
    for (let m = this.memory.first; m; m = this.memory.first) {
      if (!this.writeToDisk(m.seq, m.sealedAt, m.samples, m.payload)) return;
      this.memory.shift();
      if (this.head && !this.head.seg) this.head = undefined; // it is on disk now: read it from there
    }
  }

  /** The oldest batch not yet acknowledged (read from disk once, then kept until acknowledged or dropped). */
  peek(): SpooledBatch | undefined {
    if (this.head) return this.head;
    const found = this.segments.next(this.cursor.ackedSeq);
    if (found) {
      const { seg, rec } = found;
      this.head = { seq: rec.seq, sealedAt: rec.sealedAt, samples: rec.samples, payload: this.reader.payloadText(), seg, next: rec.next };
    } else if (this.memory.first) {
      const m = this.memory.first;
      this.head = { seq: m.seq, sealedAt: m.sealedAt, samples: m.samples, payload: m.payload.toString('utf8'), seg: undefined, next: 0 };
    }
    return this.head;
  }

  /** The collector stored batch `seq` (the one peek() gave): it leaves the spool. False when it is not the head (dropped meanwhile). */
  ack(seq: number): boolean {
    const h = this.peek();
    if (!h || h.seq !== seq) return false;
    this.consume(this.head!);
    if (++this.uncommitted >= COMMIT_EVERY) this.commit();
    return true;
  }

  /** Writes the ack cursor if it moved (atomically; a failure is logged and retried at the next commit). */
  commit(): void {
    if (this.uncommitted === 0) return;
    try {
      writeCursor(this.cursorPath, this.cursor);
      this.uncommitted = 0;
    } catch (e) {
      this.events.cursorWriteFailed(e as NodeJS.ErrnoException);
    }
  }

  /** Makes every append so far durable now (what the fsync policy does on its own schedule). */
  sync(): void {
    this.writer.sync();
  }

  stats(): SpoolStats {
    const h = this.peek();
    let { length: batches, samples, bytes } = this.memory;
    for (const s of this.segments) {
      batches += s.batches;
      samples += s.samples;
      if (s.batches > 0) bytes += s.size - s.head;
    }
    return {
      batches,
      samples,
      bytes,
      diskBytes: this.segments.diskBytes(),
      oldestAgeSeconds: h ? Math.max(0, (this.clock.now() - h.sealedAt) / 1000) : 0,
      droppedBatches: this.cursor.droppedBatches,
      droppedSamples: this.cursor.droppedSamples,
      corruptRecords: this.events.corruptRecords,
      tornRecords: this.events.tornRecords,
      memoryBatches: this.memory.length,
      segments: this.segments.length,
    };
  }

  /** Syncs, writes the cursor and the exact last seq, and closes every file. */
  close(): void {
    this.writer.close();
    this.commit();
    this.seqFile.settle(this.nextSeq - 1);
    this.seqFile.close();
    this.segments.close();
  }

  /** The head leaves the spool (acknowledged or dropped): the cursor moves past it, and an emptied segment goes. */
  private consume(h: Head): void {
    this.head = undefined;
    this.cursor.ackedSeq = Math.max(this.cursor.ackedSeq, h.seq);
    if (!h.seg) return void this.memory.shift();
    if (!this.segments.consumed(h.seg, h.next, h.samples)) return;
    this.commit(); // the cursor first: a crash between the two then resends nothing
    this.segments.remove(h.seg);
  }

  private countDrop(reason: DropReason, batches: number, samples: number): void {
    this.cursor.droppedBatches += batches;
    this.cursor.droppedSamples += samples;
    this.uncommitted++;
    this.events.dropped(reason, batches, samples, this.cursor);
    if (batches > 0) this.opts.onDrop?.(reason, batches, samples);
  }

  /** Drop-oldest: whole segments past maxBytes or entirely past maxAge, then single batches past maxAge or maxBatches. */
  private enforceBounds(): void {
    const cutoff = this.clock.now() - this.opts.maxAgeMs;
    const droppedBefore = this.cursor.droppedBatches;
    for (let seg = this.segments.oldest(); seg; seg = this.segments.oldest()) {
      const overBytes = this.segments.diskBytes() > this.opts.maxBytes;
      if (!overBytes && !(seg.batches > 0 && seg.lastSealedAt < cutoff)) break;
      this.countDrop(overBytes ? 'maxBytes' : 'maxAge', seg.batches, seg.samples);
      this.cursor.ackedSeq = Math.max(this.cursor.ackedSeq, seg.lastSeq); // the oldest segment: every seq below it is gone too
      if (this.head?.seg === seg) this.head = undefined;
      this.segments.remove(seg);
    }
    for (let h = this.peek(); h; h = this.peek()) {
      const tooMany = this.opts.maxBatches !== undefined && this.segments.batches() + this.memory.length > this.opts.maxBatches;
      if (!tooMany && h.sealedAt >= cutoff) break;
      this.countDrop(tooMany ? 'maxBatches' : 'maxAge', 1, h.samples);
      this.consume(this.head!); // moves the cursor past it: not resent after a restart
    }
    if (this.cursor.droppedBatches > droppedBefore) this.commit(); // drops are rare: their counts go to disk at once
  }
}
