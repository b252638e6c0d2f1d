/**
 * The crash test's books: what the collector's SQLite database holds (read-only, after it
 * stopped), what is still in the agent's spool on disk, and the figures that must be zero.
 */
import { closeSync, openSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Crc32c, SEGMENT_MAGIC } from '../../shared/spool/record.js';
import { RecordReader } from '../../shared/spool/record-reader.js';
import type { Seal } from './agent-runs.js';
import type { IngestAnswer } from './recording-proxy.js';

export interface Stored {
  /** seq → samples stored with it (table `batches`). */
  batches: Map<number, number>;
  /** check id → its result timestamps in ascending order (table `results`), repeats kept. */
  results: Map<string, number[]>;
  resultRows: number;
  /** The spool figures of the agent's last heartbeat (table `agents`). */
  agentSpool: { droppedBatches: number | null; droppedSamples: number | null; corruptRecords: number | null; batches: number | null };
}

export function readStored(dbFile: string, agentId: string, clientId: string): Stored {
  const db = new Database(dbFile, { readonly: true, fileMustExist: true });
  try {
    const batches = new Map<number, number>();
    for (const r of db.prepare('SELECT seq, samples FROM batches WHERE agent_id = ?').all(agentId) as Array<{ seq: number; samples: number }>)
      batches.set(r.seq, r.samples);
    const results = new Map<string, number[]>();
    let resultRows = 0;
    for (const r of db.prepare('SELECT check_id AS c, ts FROM results WHERE client_id = ? ORDER BY check_id, ts').iterate(clientId) as Iterable<{
      c: string;
      ts: number;
    }>) {
      let list = results.get(r.c);
      if (!list) results.set(r.c, (list = []));
      list.push(r.ts);
      resultRows++;
    }
    const a = db
      .prepare(
        'SELECT spool_dropped_batches AS droppedBatches, spool_dropped_samples AS droppedSamples, spool_corrupt_records AS corruptRecords, spool_batches AS batches FROM agents WHERE id = ?',
      )
      .get(agentId) as Stored['agentSpool'];
    return { batches, results, resultRows, agentSpool: a };
  } finally {
    db.close();
  }
}

/** The spool's own cursor file: how far it counts as acknowledged, and its drop counters (kept across restarts). */
export function readCursor(spoolDir: string): { ackedSeq: number; droppedBatches: number; droppedSamples: number } {
  return JSON.parse(readFileSync(join(spoolDir, 'cursor.json'), 'utf8'));
}

/** Seqs of the intact records still in the spool's segment files above `ackedSeq` (read with the agent's record reader, nothing changed). */
export function spooledSeqs(spoolDir: string, ackedSeq: number): Set<number> {
  const reader = new RecordReader(new Crc32c());
  const out = new Set<number>();
  for (const name of readdirSync(spoolDir).filter((n) => n.endsWith('.seg'))) {
    const path = join(spoolDir, name);
    const fd = openSync(path, 'r');
    try {
      const size = statSync(path).size;
      for (let at = SEGMENT_MAGIC.length, r = reader.read(fd, at, size); r; at = r.next, r = reader.read(fd, at, size)) if (r.seq > ackedSeq) out.add(r.seq);
    } finally {
      closeSync(fd);
    }
  }
  return out;
}

export interface Books {
  /** Acknowledged (agentId, seq) missing from `batches`, and acknowledged results missing from `results`. */
  ackedLostBatches: number[];
  ackedLostResults: number;
  /** Sealed seqs neither in `batches` nor still in the spool; sealed seqs stored with another sample count. */
  sealedLost: number[];
  sealedWrongCount: number[];
  /** A seq the agent sealed twice (reused after a restart). */
  sealedTwice: number[];
  /** Result rows beyond the first for one (check id, ts). */
  duplicateResults: number;
}

export function keepBooks(stored: Stored, sealed: readonly Seal[], acknowledged: Iterable<IngestAnswer>, stillSpooled: ReadonlySet<number>): Books {
  const ackedLostBatches: number[] = [];
  let ackedLostResults = 0;
  const have = new Map<string, Set<number>>();
  for (const [check, ts] of stored.results) have.set(check, new Set(ts));
  for (const a of acknowledged) {
    if (!stored.batches.has(a.seq)) ackedLostBatches.push(a.seq);
    for (const [check, ts] of a.results) if (!have.get(check)?.has(ts)) ackedLostResults++;
  }
  const seen = new Set<number>();
  const sealedTwice: number[] = [];
  const sealedLost: number[] = [];
  const sealedWrongCount: number[] = [];
  for (const s of sealed) {
    if (seen.has(s.seq)) sealedTwice.push(s.seq);
    seen.add(s.seq);
    const n = stored.batches.get(s.seq);
    if (n === undefined) {
      if (!stillSpooled.has(s.seq)) sealedLost.push(s.seq);
    } else if (n !== s.samples) sealedWrongCount.push(s.seq);
  }
  let duplicateResults = 0;
  for (const ts of stored.results.values()) for (let i = 1; i < ts.length; i++) if (ts[i] === ts[i - 1]) duplicateResults++;
  return { ackedLostBatches, ackedLostResults, sealedLost, sealedWrongCount, sealedTwice, duplicateResults };
}
