import { closeSync, existsSync, fdatasyncSync, fsyncSync, openSync, readFileSync, readSync, renameSync, writeFileSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Crc32c } from './record.js';

/* The spool's small files besides its segments: the ack cursor and the seq reservation. */

/**
 * fsync of the directory holding `path`: makes a created, renamed or deleted entry durable (a
 * file's own fsync does not cover its name on Linux). Best effort: some file systems refuse it.
 */
export function syncDir(path: string): void {
  let fd = -1;
  try {
    fd = openSync(dirname(path), 'r');
    fsyncSync(fd);
  } catch {
    // not supported here (or the directory is gone): nothing more can be done
  } finally {
    if (fd >= 0) closeSync(fd);
  }
}

/** What survives a restart besides the segments: how far the collector acknowledged, and what was dropped. */
export interface Cursor {
  /** Every batch with seq ≤ this is acknowledged by the collector (or was dropped). */
  ackedSeq: number;
  /** Batches and samples dropped since the spool was created (drop-oldest, max age, memory overflow). */
  droppedBatches: number;
  droppedSamples: number;
}

const EMPTY: Cursor = { ackedSeq: 0, droppedBatches: 0, droppedSamples: 0 };
const count = (v: unknown) => (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? v : 0);

/**
 * File `cursor.json`, replaced atomically (write a temporary file, rename it over) and not fsynced:
 * losing the newest version to a power loss only resends batches the collector already stored,
 * which its (agentId, seq) idempotency absorbs and the transport counts.
 */
export function readCursor(path: string): { cursor: Cursor; problem?: string } {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return code === 'ENOENT' ? { cursor: { ...EMPTY } } : { cursor: { ...EMPTY }, problem: `cannot read: ${code}` };
  }
  try {
    const raw = JSON.parse(text) as Record<string, unknown>;
    return { cursor: { ackedSeq: count(raw.ackedSeq), droppedBatches: count(raw.droppedBatches), droppedSamples: count(raw.droppedSamples) } };
  } catch {
    return { cursor: { ...EMPTY }, problem: `not valid JSON (${text.length} bytes)` };
  }
}

/** Throws the errno (ENOSPC …) when it cannot be written; the previous version stays. */
export function writeCursor(path: string, c: Cursor): void {
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, JSON.stringify(c), { mode: 0o600 });
  renameSync(tmp, path);
}

const SLOT_BYTES = 16;

/**
 * The highest seq the agent may have used, reserved ahead in blocks and made durable (fdatasync)
 * before any seq of a block goes into a batch: after a crash or a power loss the agent continues
 * above it, so a seq is at worst skipped, never given to other samples (the collector would take
 * them for a replay of the first and drop them).
 *
 * File `seq`, 32 bytes, two slots written in turn, each [f64 reserved][u32 generation][u32 CRC-32C of
 * the first 12 bytes]. A write overwrites one slot in place: no new blocks, so it works on a full
 * disk, and a write torn by a power loss leaves the other slot, which still covers every seq used.
 */
export class SeqFile {
  private fd = -1;
  private readonly slot = Buffer.alloc(SLOT_BYTES);
  private generation = 0;
  /** Seqs up to here are reserved (durably when the last reserve() returned no error). */
  reserved = 0;

  constructor(
    private readonly path: string,
    private readonly crc: Crc32c,
  ) {}

  /** Opens or creates the file; returns the reserved seq it holds (0 when new or unreadable). */
  open(): number {
    const isNew = !existsSync(this.path);
    this.fd = openSync(this.path, isNew ? 'w+' : 'r+', 0o600);
    if (isNew) {
      writeSync(this.fd, Buffer.alloc(2 * SLOT_BYTES), 0, 2 * SLOT_BYTES, 0);
      fdatasyncSync(this.fd);
      syncDir(this.path);
    }
    const both = Buffer.alloc(2 * SLOT_BYTES);
    readSync(this.fd, both, 0, both.length, 0);
    for (let s = 0; s < 2; s++) {
      const at = s * SLOT_BYTES;
      if (this.crc.update(0, both, at, at + 12) !== both.readUInt32LE(at + 12)) continue;
      const seq = both.readDoubleLE(at);
      const gen = both.readUInt32LE(at + 8);
      if (Number.isSafeInteger(seq) && seq > this.reserved) this.reserved = seq;
      if (gen >= this.generation) this.generation = gen;
    }
    return this.reserved;
  }

  /** Reserves seqs up to `upTo` durably; returns the error when the write or the sync failed (the reservation holds in memory). */
  reserve(upTo: number): NodeJS.ErrnoException | undefined {
    this.reserved = upTo;
    if (this.fd < 0) return Object.assign(new Error('seq file not open'), { code: 'ENOTOPEN' });
    this.generation = (this.generation + 1) >>> 0;
    this.slot.writeDoubleLE(upTo, 0);
    this.slot.writeUInt32LE(this.generation, 8);
    this.slot.writeUInt32LE(this.crc.update(0, this.slot, 0, 12), 12);
    try {
      writeSync(this.fd, this.slot, 0, SLOT_BYTES, (this.generation % 2) * SLOT_BYTES);
      fdatasyncSync(this.fd);
      return undefined;
    } catch (e) {
      return e as NodeJS.ErrnoException;
    }
  }

  /**
   * On a clean stop: records the exact last seq used (both slots, one after the other, so the
   * next start continues right after it instead of after the reserved block).
   */
  settle(lastUsed: number): void {
    if (lastUsed >= this.reserved) return;
    const failed = this.reserve(lastUsed);
    if (!failed) this.reserve(lastUsed);
  }

  close(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }
}
