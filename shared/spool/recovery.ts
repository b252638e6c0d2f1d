import { mkdirSync, readdirSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import type { RecordReader } from './record-reader.js';
import { scanSegment, type SegmentInfo } from './segment-scan.js';

/** Twelve digits, more only past 10¹² segments. */
const SEGMENT_NAME = /^(\d{12,15})\.seg$/;
/** Files the spool itself writes besides segments. */
const OWN_FILES = new Set(['cursor.json', 'cursor.json.tmp', 'seq']);

export const segmentName = (id: number) => `${String(id).padStart(12, '0')}.seg`;

export interface Recovered {
  /** Segments holding batches not yet acknowledged, oldest first. */
  segments: SegmentInfo[];
  /** Highest segment id seen (the next segment is numbered after it). */
  lastId: number;
  /** Highest seq found in any segment. */
  maxSeq: number;
  corrupt: number;
  tornRecords: number;
  tornBytes: number;
  duplicates: number;
  /** Segment files deleted because nothing in them was left to send. */
  deleted: number;
  /** Names in the directory that are not the spool's (left alone) and segment files that could not be read. */
  foreign: string[];
  unreadable: string[];
}

/**
 * Start-up: reads every segment in seq order (file name order), validates each record, cuts torn
 * tails, skips damaged regions and files that are not the spool's, and deletes segments with nothing
 * left to send. Never throws for what it finds in the directory; only a directory that cannot be
 * created or listed throws.
 */
export function recoverSegments(dir: string, reader: RecordReader, ackedSeq: number): Recovered {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const out: Recovered = {
    segments: [],
    lastId: 0,
    maxSeq: 0,
    corrupt: 0,
    tornRecords: 0,
    tornBytes: 0,
    duplicates: 0,
    deleted: 0,
    foreign: [],
    unreadable: [],
  };
  const ids: number[] = [];
  for (const name of readdirSync(dir)) {
    const m = SEGMENT_NAME.exec(name);
    if (m) ids.push(Number(m[1]));
    else if (!OWN_FILES.has(name)) out.foreign.push(name);
  }
  ids.sort((a, b) => a - b);
  let prevSeq = ackedSeq;
  for (const id of ids) {
    out.lastId = id;
    const path = join(dir, segmentName(id));
    let r: ReturnType<typeof scanSegment>;
    try {
      r = scanSegment(reader, path, id, ackedSeq, prevSeq);
    } catch (e) {
      out.unreadable.push(`${segmentName(id)} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
      continue;
    }
    out.maxSeq = Math.max(out.maxSeq, r.maxSeq);
    out.corrupt += r.corrupt;
    out.duplicates += r.duplicates;
    if (r.tornBytes > 0) {
      out.tornRecords++;
      out.tornBytes += r.tornBytes;
    }
    if (r.info.batches > 0) {
      out.segments.push(r.info);
      prevSeq = r.info.lastSeq;
      continue;
    }
    try {
      unlinkSync(path);
      out.deleted++;
    } catch (e) {
      out.unreadable.push(`${segmentName(id)} (${(e as NodeJS.ErrnoException).code})`);
    }
  }
  return out;
}
