import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../shared/clock.js';
import { Spool, type SpoolOptions } from '../../../shared/spool/spool.js';
import { tempDir } from '../../helpers/net.js';

const root = tempDir();
afterAll(() => root.remove());
let n = 0;
const HOUR = 3_600_000;

/** A spool in a fresh directory with a manual clock and the log lines it writes. */
function fixture(over: Partial<SpoolOptions> = {}) {
  const dir = join(root.path, `s${n++}`);
  const clock = new ManualClock(1_700_000_000_000);
  const logs: Array<{ level: number; msg: string } & Record<string, unknown>> = [];
  const logger = pino({ level: 'debug' }, { write: (s: string) => void logs.push(JSON.parse(s)) });
  const opts: SpoolOptions = { dir, fsync: 'always', maxBytes: 1 << 20, maxAgeMs: 7 * 24 * HOUR, ...over };
  const open = (o: Partial<SpoolOptions> = {}) => new Spool({ ...opts, ...o }, clock, logger);
  const segs = () =>
    readdirSync(dir)
      .filter((f) => f.endsWith('.seg'))
      .sort();
  return { dir, clock, logs, open, segs };
}
/** The seqs in a segment file, read by the documented format: 8-byte magic, then [magic u32][len u32][crc u32][seq f64]… records. */
function seqsInFile(path: string): number[] {
  const b = readFileSync(path);
  const out: number[] = [];
  for (let at = 8; at + 32 <= b.length; at += 32 + b.readUInt32LE(at + 4)) out.push(b.readDoubleLE(at + 12));
  return out;
}
/** A batch of `k` metric samples whose timestamps say which batch they are. */
const samplesOf = (i: number, k = 1) => Array.from({ length: k }, (_, j) => ({ kind: 'metric', name: 'm', ts: i * 1000 + j, value: i }));
const put = (s: Spool, i: number, k = 1) => s.append(JSON.stringify(samplesOf(i, k)), k);
/** Acknowledges everything, oldest first; returns the seqs with the first sample's ts of each. */
function drain(s: Spool, max = Infinity): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (let b = s.peek(); b && out.length < max; b = s.peek()) {
    out.push([b.seq, JSON.parse(b.payload).samples[0]?.ts]);
    expect(s.ack(b.seq)).toBe(true);
  }
  return out;
}

describe('agent spool: append, read back, acknowledge', () => {
  it('reads batches back in seq order with their exact samples; a segment is deleted only when all its batches are acknowledged', () => {
    const f = fixture({ segmentBytes: 600 });
    const s = f.open();
    for (let i = 1; i <= 12; i++) expect(put(s, i, 2)).toBe(i);
    const files = f.segs();
    expect(files.length).toBeGreaterThan(3); // ~130-byte records, 600-byte segments
    const b = s.peek()!;
    expect(JSON.parse(b.payload)).toEqual({ seq: 1, samples: samplesOf(1, 2) });
    expect(s.peek()).toBe(b); // read once, kept until acknowledged
    expect(s.ack(2)).toBe(false); // only the head can be acknowledged
    const perFile = files.map((name) => seqsInFile(join(f.dir, name)));
    expect(perFile.flat()).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    // acknowledge one by one: the oldest file disappears exactly when its last batch is acknowledged
    let acked = 0;
    for (let fi = 0; fi < files.length - 1; fi++) {
      for (const seq of perFile[fi]!) {
        expect(f.segs()[0]).toBe(files[fi]);
        expect(s.ack(seq)).toBe(true);
        acked++;
      }
      expect(f.segs()[0]).toBe(files[fi + 1]);
    }
    expect(drain(s).map(([seq]) => seq)).toEqual(Array.from({ length: 12 - acked }, (_, i) => acked + 1 + i));
    expect(f.segs()).toEqual([files.at(-1)]); // the segment being written stays, empty of batches
    expect(s.stats()).toMatchObject({ batches: 0, samples: 0, bytes: 0, droppedBatches: 0, oldestAgeSeconds: 0 });
    s.close();
  });

  it('after a restart, resumes after the last acknowledged batch: nothing resent, nothing lost, seq continues', () => {
    const f = fixture({ segmentBytes: 1000 });
    const s = f.open();
    for (let i = 1; i <= 20; i++) put(s, i);
    expect(drain(s, 7).map(([seq]) => seq)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    s.close();
    const again = f.open();
    expect(again.stats().batches).toBe(13);
    expect(put(again, 21)).toBe(21);
    expect(drain(again)).toEqual(Array.from({ length: 14 }, (_, i) => [8 + i, (8 + i) * 1000]));
    again.close();
    const third = f.open();
    expect(third.peek()).toBeUndefined();
    expect(put(third, 22)).toBe(22);
    third.close();
  });

  it('after a crash (no close), nothing is lost, at most the unwritten acknowledgements are resent, and no seq is reused', () => {
    const f = fixture();
    const s = f.open();
    for (let i = 1; i <= 10; i++) put(s, i);
    drain(s, 3); // acknowledged, cursor not yet written (it is written every 32 acks, at commit and close)
    // the process dies here: `s` is abandoned without close()
    const again = f.open();
    const got = drain(again).map(([seq]) => seq);
    expect(got).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]); // 1-3 again: the collector's (agentId, seq) idempotency absorbs them
    expect(put(again, 11)).toBeGreaterThan(10);
    again.close();
  });

  it('restarts, clean or not, go on in the newest segment: an agent restarting often does not leave a file per start', () => {
    const f = fixture();
    for (let run = 0; run < 6; run++) {
      const s = f.open();
      put(s, run);
      if (run % 2 === 0) s.close(); // the others end like a crash
    }
    expect(f.segs()).toHaveLength(1);
    const s = f.open();
    expect(drain(s).map(([, ts]) => ts)).toEqual([0, 1000, 2000, 3000, 4000, 5000]);
    s.close();
  });

  it('a seq is never reused, even when the spool files were lost (the reservation outlives them)', () => {
    const f = fixture();
    const s = f.open({ seqFloor: 100 });
    expect(put(s, 1)).toBe(101); // above agent.json's lastSeq from before the spool
    expect(put(s, 2)).toBe(102);
    drain(s);
    // crash, and then the segments are gone (deleted by hand, say); the seq file is still there
    for (const name of f.segs()) rmSync(join(f.dir, name));
    const again = f.open();
    expect(put(again, 3)).toBeGreaterThan(102);
    again.close();
  });
});

describe('agent spool: bounds, drop-oldest, counted', () => {
  it('spool.maxBytes: the oldest segment goes; files stay within the bound; every dropped batch and sample is counted, once', () => {
    const f = fixture({ segmentBytes: 2048, maxBytes: 8192 });
    const s = f.open();
    for (let i = 1; i <= 200; i++) put(s, i, 3);
    const st = s.stats();
    expect(st.diskBytes).toBeLessThanOrEqual(8192);
    expect(st.droppedBatches + st.batches).toBe(200);
    expect(st.droppedSamples).toBe(3 * st.droppedBatches);
    expect(st.droppedBatches).toBeGreaterThan(100);
    const kept = drain(s).map(([seq]) => seq);
    expect(kept).toEqual(Array.from({ length: st.batches }, (_, i) => 201 - st.batches + i)); // the newest, contiguous
    expect(f.logs.filter((l) => /maxBytes reached/.test(l.msg))).toHaveLength(1); // one line, not one per drop
    s.close();
    const again = f.open();
    expect(again.stats()).toMatchObject({ batches: 0, droppedBatches: st.droppedBatches, droppedSamples: st.droppedSamples }); // counters survive
    again.close();
  });

  it('spool.maxAge: batches sealed longer ago are dropped (whole segments and single batches), counted, and not back after a restart', () => {
    const f = fixture({ segmentBytes: 700, maxAgeMs: 24 * HOUR });
    const s = f.open();
    for (let i = 1; i <= 30; i++) {
      put(s, i, 2);
      f.clock.advance(HOUR);
    }
    // sealed at 0 h … 29 h; now 30 h: with a 24 h bound, batches 1-6 (sealed 0-5 h) are older, but bounds apply on append
    expect(s.stats()).toMatchObject({ batches: 25, droppedBatches: 5, droppedSamples: 10 });
    put(s, 31, 2); // sealed at 30 h: drops the one sealed at 5 h (exactly 25 h old)
    expect(s.stats()).toMatchObject({ batches: 25, droppedBatches: 6, droppedSamples: 12 });
    expect(s.stats().oldestAgeSeconds).toBe(24 * 3600);
    expect(s.peek()!.seq).toBe(7);
    const ageLines = () => f.logs.filter((l) => /older than spool.maxAge/.test(l.msg)).length;
    expect(ageLines()).toBe(6); // drops in six different hours: a line at most every 10 minutes, with the totals
    s.close();
    f.clock.advance(4 * HOUR); // restart 4 h later: four more expire at start-up, one line for them
    const again = f.open();
    expect(again.stats()).toMatchObject({ batches: 21, droppedBatches: 10, droppedSamples: 20 });
    expect(ageLines()).toBe(7);
    expect(drain(again).map(([seq]) => seq)).toEqual(Array.from({ length: 21 }, (_, i) => 11 + i));
    again.close();
  });

  it('send.queueMaxBatches (optional): at most that many batches wait, the oldest dropped and counted', () => {
    const f = fixture({ maxBatches: 4 });
    const s = f.open();
    for (let i = 1; i <= 10; i++) put(s, i, 5);
    expect(s.stats()).toMatchObject({ batches: 4, droppedBatches: 6, droppedSamples: 30 });
    expect(drain(s).map(([seq]) => seq)).toEqual([7, 8, 9, 10]);
    s.close();
  });

  it('a batch too large for a record (over 16 MiB) is dropped and counted, never written as a record the reader would refuse', () => {
    const f = fixture();
    const s = f.open();
    put(s, 1);
    const huge = JSON.stringify([{ kind: 'metric', name: 'm', ts: 2, value: 2, labels: { blob: 'x'.repeat(17 << 20) } }]);
    expect(s.append(huge, 1)).toBe(2);
    expect(put(s, 3)).toBe(3);
    expect(s.stats()).toMatchObject({ batches: 2, droppedBatches: 1, droppedSamples: 1 });
    s.close();
    const again = f.open();
    expect(again.stats()).toMatchObject({ batches: 2, corruptRecords: 0 });
    expect(drain(again).map(([seq]) => seq)).toEqual([1, 3]);
    again.close();
  });

  it('reports its depth: batches, samples, bytes and the age of the oldest batch', () => {
    const f = fixture();
    const s = f.open();
    put(s, 1, 4);
    f.clock.advance(90_000);
    put(s, 2, 1);
    const st = s.stats();
    expect(st).toMatchObject({ batches: 2, samples: 5, oldestAgeSeconds: 90, memoryBatches: 0, segments: 1 });
    expect(st.bytes).toBe(st.diskBytes - 8); // everything after the segment magic is waiting
    s.close();
  });
});
