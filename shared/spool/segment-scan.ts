import { closeSync, fstatSync, ftruncateSync, openSync } from 'node:fs';
import type { RecordReader } from './record-reader.js';
import { SEGMENT_MAGIC } from './record.js';

/** What the spool keeps in memory per segment file: counts and offsets, never the batches. */
export interface SegmentInfo {
  id: number;
  path: string;
  /** File length. */
  size: number;
  /** Offset of the first record not yet acknowledged (the read cursor within this segment). */
  head: number;
  /** Records from `head` on, their samples, their seq range and the newest one's time. */
  batches: number;
  samples: number;
  firstSeq: number;
  lastSeq: number;
  lastSealedAt: number;
  /** Damaged regions the start-up scan counted already: a later read meets them again without counting twice. */
  knownDamage: number;
}

export interface ScanResult {
  info: SegmentInfo;
  /** Highest seq in the file, acknowledged or not (seqs are never reused). */
  maxSeq: number;
  /** Damaged regions skipped inside the file (bad magic, length or CRC followed by intact records). */
  corrupt: number;
  /** Bytes cut off the end: an incomplete last record (a crash or power loss during a write). */
  tornBytes: number;
  /** Intact records whose seq was not above the previous one's: skipped, never sent twice. */
  duplicates: number;
}

/**
 * Reads one segment at start-up: validates every record, cuts a torn tail off (so the next start
 * does not count it again), and returns its index entry. Records with seq ≤ `ackedSeq` count as
 * delivered. Never throws for what is in the file; a file that cannot be opened throws its errno.
 */
export function scanSegment(reader: RecordReader, path: string, id: number, ackedSeq: number, prevSeq: number): ScanResult {
  const fd = openSync(path, 'r+');
  try {
    const size = fstatSync(fd).size;
    const info: SegmentInfo = { id, path, size, head: size, batches: 0, samples: 0, firstSeq: 0, lastSeq: 0, lastSealedAt: 0, knownDamage: 0 };
    const out: ScanResult = { info, maxSeq: 0, corrupt: 0, tornBytes: 0, duplicates: 0 };
    let at = SEGMENT_MAGIC.length;
    if (!reader.hasSegmentMagic(fd, size)) {
      // a torn or foreign header: intact records further on still count (they carry their own magic and CRC)
      at = reader.resync(fd, 0, size);
      if (at < 0) {
        // nothing of ours in it: a segment cut while its header was written, or a foreign file
        if (reader.isSegmentMagicPrefix(fd, size)) out.tornBytes = size;
        else out.corrupt++;
        return out;
      }
      out.corrupt++;
    }
    let last = prevSeq;
    while (at < size) {
      const r = reader.read(fd, at, size);
      if (!r) {
        const next = reader.resync(fd, at + 1, size);
        if (next < 0) {
          out.tornBytes = size - at;
          ftruncateSync(fd, at);
          info.size = at;
          break;
        }
        out.corrupt++;
        at = next;
        continue;
      }
      out.maxSeq = Math.max(out.maxSeq, r.seq);
      if (r.seq > ackedSeq) {
        if (r.seq <= last) out.duplicates++;
        else {
          if (info.batches === 0) {
            info.head = at;
            info.firstSeq = r.seq;
          }
          info.batches++;
          info.samples += r.samples;
          info.lastSeq = r.seq;
          info.lastSealedAt = r.sealedAt;
          last = r.seq;
        }
      }
      at = r.next;
    }
    info.knownDamage = out.corrupt;
    return out;
  } finally {
    closeSync(fd);
  }
}
