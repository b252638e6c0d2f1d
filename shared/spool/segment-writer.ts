import { closeSync, fdatasyncSync, ftruncateSync, openSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { Clock } from '../clock.js';
import { syncDir } from './state-files.js';
import { HEADER_BYTES, SEGMENT_MAGIC } from './record.js';
import { segmentName } from './recovery.js';
import type { SegmentInfo } from './segment-scan.js';

/** `always`: fdatasync after every append; a number: at most this many ms after an append. */
export type FsyncPolicy = 'always' | number;

function writeFully(fd: number, buf: Uint8Array, position: number): void {
  for (let done = 0; done < buf.length; ) done += writeSync(fd, buf, done, buf.length - done, position + done);
}

/**
 * Appends records to the newest segment, rolls to a new one past `segmentBytes`, and syncs by the
 * policy. A failed append (ENOSPC, EIO …) is cut back to the record boundary before the error is
 * thrown, so a full disk never leaves half a record behind. With an interval, an append syncs at
 * once when the last sync is older than the interval, else one timer syncs when it is due: an idle
 * agent is not woken, and at one append per flush every append is synced at once.
 */
export class SegmentWriter {
  active: SegmentInfo | undefined;
  private fd = -1;
  private unsynced = false;
  private dirDirty = false;
  private lastSyncAt = -Infinity;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly dir: string,
    private lastId: number,
    private readonly segmentBytes: number,
    private readonly policy: FsyncPolicy,
    private readonly clock: Clock,
    /** Called with the error of a failed sync (the data stays in the page cache). */
    private readonly onSyncError: (e: NodeJS.ErrnoException) => void,
  ) {}

  /** Appends one framed record; returns the segment it went to (a new one after a roll). Throws the errno when it cannot. */
  append(header: Buffer, payload: Buffer, seq: number, sealedAt: number, samples: number): SegmentInfo {
    const total = HEADER_BYTES + payload.length;
    if (!this.active || (this.active.size + total > this.segmentBytes && this.active.size > SEGMENT_MAGIC.length)) this.roll();
    const seg = this.active!;
    const start = seg.size;
    try {
      writeFully(this.fd, header, start);
      writeFully(this.fd, payload, start + HEADER_BYTES);
    } catch (e) {
      try {
        ftruncateSync(this.fd, start);
      } catch {
        // the torn record stays; the next start-up's scan cuts it
      }
      throw e;
    }
    seg.size = start + total;
    if (seg.batches === 0) {
      seg.head = start;
      seg.firstSeq = seq;
    }
    seg.batches++;
    seg.samples += samples;
    seg.lastSeq = seq;
    seg.lastSealedAt = sealedAt;
    this.unsynced = true;
    this.afterAppend();
    return seg;
  }

  private afterAppend(): void {
    const now = this.clock.now();
    if (this.policy === 'always' || now - this.lastSyncAt >= this.policy) return void this.sync();
    if (this.timer) return;
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        this.sync();
      },
      this.lastSyncAt + this.policy - now,
    );
  }

  /** Makes every append so far durable (file data, and the names of segments created since the last sync). */
  sync(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.lastSyncAt = this.clock.now();
    try {
      if (this.unsynced && this.fd >= 0) fdatasyncSync(this.fd);
      this.unsynced = false;
      if (this.dirDirty) syncDir(join(this.dir, 'x'));
      this.dirDirty = false;
    } catch (e) {
      this.onSyncError(e as NodeJS.ErrnoException);
    }
  }

  private roll(): void {
    this.detach();
    const id = ++this.lastId;
    const path = join(this.dir, segmentName(id));
    const fd = openSync(path, 'wx', 0o600);
    try {
      writeFully(fd, SEGMENT_MAGIC, 0);
    } catch (e) {
      closeSync(fd);
      unlinkSync(path);
      throw e;
    }
    this.fd = fd;
    this.dirDirty = true;
    const size = SEGMENT_MAGIC.length;
    this.active = { id, path, size, head: size, batches: 0, samples: 0, firstSeq: 0, lastSeq: 0, lastSealedAt: 0, knownDamage: 0 };
  }

  /**
   * At start-up: appends go on in the newest recovered segment (its torn tail already cut) while it
   * is below the roll size, so that an agent restarting often does not leave a file per start.
   */
  resume(seg: SegmentInfo): void {
    if (this.active || seg.size >= this.segmentBytes) return;
    try {
      this.fd = openSync(seg.path, 'r+');
      this.active = seg;
    } catch {
      // unwritable: the next append starts a new segment
    }
  }

  /** Syncs and closes the active segment: the next append starts a new one (after a roll, or when the spool drops it). */
  detach(): void {
    if (this.fd < 0) return;
    if (this.unsynced || this.dirDirty) this.sync();
    closeSync(this.fd);
    this.fd = -1;
    this.active = undefined;
  }

  close(): void {
    this.detach();
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}
