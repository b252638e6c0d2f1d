import { closeSync, openSync, unlinkSync } from 'node:fs';
import type { ReadRecord, RecordReader } from './record-reader.js';
import type { SegmentInfo } from './segment-scan.js';
import type { SegmentWriter } from './segment-writer.js';
import type { SpoolEvents } from './spool-events.js';

/**
 * The segments of the spool, oldest first, and reading them from their heads: an index of counts
 * and offsets (SegmentInfo), with one read descriptor open, on the segment being read. Damage met
 * while reading is skipped (and counted, unless the start-up scan counted it already).
 */
export class SegmentList {
  private readFd = -1;
  private readFdOf: SegmentInfo | undefined;

  constructor(
    private readonly segments: SegmentInfo[],
    private readonly reader: RecordReader,
    private readonly writer: SegmentWriter,
    private readonly events: SpoolEvents,
  ) {}

  get length(): number {
    return this.segments.length;
  }

  [Symbol.iterator](): Iterator<SegmentInfo> {
    return this.segments[Symbol.iterator]();
  }

  /** The oldest segment, after removing leading ones with nothing left to send (except the one being written). */
  oldest(): SegmentInfo | undefined {
    for (let s = this.segments[0]; s && s.batches === 0 && s !== this.writer.active; s = this.segments[0]) this.remove(s);
    return this.segments[0];
  }

  /** After an append: a segment the writer rolled to joins the list. */
  appended(seg: SegmentInfo): void {
    if (this.segments.at(-1) !== seg) this.segments.push(seg);
  }

  batches(): number {
    return this.segments.reduce((n, s) => n + s.batches, 0);
  }

  diskBytes(): number {
    return this.segments.reduce((n, s) => n + s.size, 0);
  }

  /** The oldest intact record with seq above `ackedSeq`, and its segment; its payload is `reader.payloadText()`. */
  next(ackedSeq: number): { seg: SegmentInfo; rec: ReadRecord } | undefined {
    for (let seg = this.oldest(); seg && seg.batches > 0; seg = this.oldest()) {
      const rec = this.readAt(seg);
      if (!rec) continue;
      if (rec.seq > ackedSeq) return { seg, rec };
      seg.head = rec.next; // a repeated seq the start-up scan already counted
    }
    return undefined;
  }

  /** The head record of `seg` left the spool (acknowledged or dropped); true when the segment is now empty and can go. */
  consumed(seg: SegmentInfo, next: number, samples: number): boolean {
    seg.head = next;
    seg.batches--;
    seg.samples -= samples;
    return seg.batches === 0 && seg !== this.writer.active;
  }

  /** Deletes the segment's file and its index entry. */
  remove(seg: SegmentInfo): void {
    if (this.readFdOf === seg) this.closeReadFd();
    if (seg === this.writer.active) this.writer.detach();
    try {
      unlinkSync(seg.path);
    } catch {
      // already gone; nothing else to do
    }
    this.segments.splice(this.segments.indexOf(seg), 1);
  }

  close(): void {
    this.closeReadFd();
  }

  /** The intact record at `seg.head`, or undefined after skipping damage there (`seg.head` moved on, or the segment emptied). */
  private readAt(seg: SegmentInfo): ReadRecord | undefined {
    try {
      if (this.readFdOf !== seg) {
        this.closeReadFd();
        this.readFd = openSync(seg.path, 'r');
        this.readFdOf = seg;
      }
      const r = seg.head < seg.size ? this.reader.read(this.readFd, seg.head, seg.size) : undefined;
      if (r) return r;
      const next = seg.head < seg.size ? this.reader.resync(this.readFd, seg.head + 1, seg.size) : -1;
      if (seg.knownDamage > 0) seg.knownDamage--;
      else this.events.corruptAtRead(seg.path);
      if (next >= 0) seg.head = next;
      else this.emptied(seg);
    } catch (e) {
      this.events.corruptAtRead(`${seg.path} (${(e as NodeJS.ErrnoException).code})`);
      this.emptied(seg);
    }
    return undefined;
  }

  /** What the index promised but the file no longer holds (damaged after start-up): counted as corrupt, not as dropped. */
  private emptied(seg: SegmentInfo): void {
    seg.batches = 0;
    seg.samples = 0;
    seg.head = seg.size;
  }

  private closeReadFd(): void {
    if (this.readFd >= 0) closeSync(this.readFd);
    this.readFd = -1;
    this.readFdOf = undefined;
  }
}
