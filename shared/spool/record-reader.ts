import { readSync } from 'node:fs';

import { type Crc32c, crcMatches, HEADER_BYTES, parseHeader, RECORD_MAGIC, SEGMENT_MAGIC, type RecordHeader } from './record.js';

/** Resync reads of this size while looking for the next record magic after a damaged region. */
const SEARCH_CHUNK = 64 * 1024;

export interface ReadRecord extends RecordHeader {
  /** Offset of the byte after this record. */
  next: number;
}

/**
 * Reads framed records from a segment file by offset, checking magic, length and CRC. One reader per
 * spool: its scratch buffer grows to the largest record read and is reused, so reading a backlog
 * allocates nothing per record but the payload text the caller makes of `payload()`.
 */
export class RecordReader {
  private readonly header = Buffer.alloc(HEADER_BYTES);
  private scratch = Buffer.alloc(0);
  private length = 0;

  constructor(private readonly crc: Crc32c) {}

  /** The payload of the last successful read (a view, valid until the next read). */
  payload(): Buffer {
    return this.scratch.subarray(0, this.length);
  }

  /** Payload of the last successful read as text. */
  payloadText(): string {
    return this.scratch.toString('utf8', 0, this.length);
  }

  /** The intact record at `at` (ending at or before `end`), or undefined. */
  read(fd: number, at: number, end: number): ReadRecord | undefined {
    if (end - at < HEADER_BYTES || readSync(fd, this.header, 0, HEADER_BYTES, at) < HEADER_BYTES) return undefined;
    const h = parseHeader(this.header);
    if (!h || at + HEADER_BYTES + h.length > end) return undefined;
    if (this.scratch.length < h.length) this.scratch = Buffer.alloc(Math.max(h.length, Math.min(2 * this.scratch.length, 16 << 20)));
    if (readSync(fd, this.scratch, 0, h.length, at + HEADER_BYTES) < h.length) return undefined;
    if (!crcMatches(this.crc, this.header, this.scratch, h.length)) return undefined;
    this.length = h.length;
    return { ...h, next: at + HEADER_BYTES + h.length };
  }

  /** Offset of the next intact record at or after `from`, or -1: how a damaged region is skipped. */
  resync(fd: number, from: number, end: number): number {
    const chunk = Buffer.alloc(Math.min(SEARCH_CHUNK, Math.max(0, end - from)));
    let base = from;
    while (base + HEADER_BYTES <= end) {
      const got = readSync(fd, chunk, 0, Math.min(chunk.length, end - base), base);
      if (got < RECORD_MAGIC.length) return -1;
      let i = chunk.indexOf(RECORD_MAGIC, 0);
      while (i >= 0 && i + RECORD_MAGIC.length <= got) {
        if (this.read(fd, base + i, end)) return base + i;
        i = chunk.indexOf(RECORD_MAGIC, i + 1);
      }
      if (got < chunk.length) return -1;
      base += got - (RECORD_MAGIC.length - 1); // a magic may straddle two chunks
    }
    return -1;
  }

  /** Whether the file starts with the segment magic. */
  hasSegmentMagic(fd: number, size: number): boolean {
    return size >= SEGMENT_MAGIC.length && this.isSegmentMagicPrefix(fd, SEGMENT_MAGIC.length);
  }

  /** Whether the file's first `size` (≤ 8) bytes are the start of the segment magic: a segment torn while it was created. */
  isSegmentMagicPrefix(fd: number, size: number): boolean {
    if (size > SEGMENT_MAGIC.length) return false;
    const b = Buffer.alloc(size);
    return readSync(fd, b, 0, size, 0) === size && b.equals(SEGMENT_MAGIC.subarray(0, size));
  }

  /** Gives the scratch buffer back after start-up's scan (it may have grown to the largest record). */
  shrink(): void {
    this.scratch = Buffer.alloc(0);
    this.length = 0;
  }
}
