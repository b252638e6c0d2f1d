import { cpSync, mkdirSync, readdirSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../shared/clock.js';
import { Spool, type SpoolOptions } from '../../../shared/spool/spool.js';
import { tempDir } from '../../helpers/net.js';

const root = tempDir();
afterAll(() => root.remove());
let n = 0;
const clock = new ManualClock(1_700_000_000_000);

function open(dir: string, over: Partial<SpoolOptions> = {}) {
  const logs: Array<{ level: number; msg: string } & Record<string, unknown>> = [];
  const logger = pino({ level: 'info' }, { write: (s: string) => void logs.push(JSON.parse(s)) });
  const spool = new Spool({ dir, fsync: 'always', maxBytes: 1 << 20, maxAgeMs: 86_400_000, ...over }, clock, logger);
  return { spool, logs, warnings: () => logs.filter((l) => l.level >= 40) };
}
const put = (s: Spool, i: number) => s.append(JSON.stringify([{ kind: 'metric', name: 'm', ts: i, value: i }]), 1);
function drain(s: Spool): number[] {
  const out: number[] = [];
  for (let b = s.peek(); b; b = s.peek()) {
    expect(JSON.parse(b.payload).samples[0].ts).toBe(b.seq); // the payload is the one written for that seq
    out.push(b.seq);
    s.ack(b.seq);
  }
  return out;
}
/** A closed spool holding batches 1…k in one segment; returns its directory, the segment path and each record's start offset. */
function written(k: number) {
  const dir = join(root.path, `w${n++}`);
  const { spool } = open(dir);
  for (let i = 1; i <= k; i++) put(spool, i);
  spool.close();
  const seg = join(dir, readdirSync(dir).find((f) => f.endsWith('.seg'))!);
  const bytes = readFileSync(seg);
  const starts: number[] = [];
  for (let at = 8; at < bytes.length; at += 32 + bytes.readUInt32LE(at + 4)) starts.push(at);
  return { dir, seg, bytes, starts };
}
function copyOf(dir: string): string {
  const to = join(root.path, `c${n++}`);
  cpSync(dir, to, { recursive: true });
  return to;
}
const segIn = (dir: string) => join(dir, readdirSync(dir).find((f) => f.endsWith('.seg'))!);

describe('agent spool: what a crash or a damaged disk leaves is skipped, counted, logged once; start-up never fails', () => {
  it('a torn last record, cut at every byte length, recovers to the records before it, and the next start does not count it again', () => {
    const w = written(4);
    const last = w.starts[3]!;
    for (let cut = last; cut < w.bytes.length; cut++) {
      const dir = copyOf(w.dir);
      truncateSync(segIn(dir), cut);
      const { spool, warnings } = open(dir);
      const st = spool.stats();
      expect(st.batches, `cut at ${cut}`).toBe(3);
      expect(st.tornRecords, `cut at ${cut}`).toBe(cut > last ? 1 : 0);
      expect(st.corruptRecords).toBe(0);
      expect(warnings()).toHaveLength(cut > last ? 1 : 0);
      expect(put(spool, 5)).toBe(5); // seq 4 was used (reserved durably): never given to other samples
      spool.close();
      const again = open(dir);
      expect(again.spool.stats()).toMatchObject({ batches: 4, tornRecords: 0 });
      expect(again.warnings()).toHaveLength(0);
      expect(drain(again.spool)).toEqual([1, 2, 3, 5]);
      again.spool.close();
    }
  });

  it('a damaged byte inside a record (payload, length, magic) skips that record only, counted once, with one log line', () => {
    const w = written(5);
    const rec3 = w.starts[2]!;
    for (const [what, offset] of [
      ['payload', rec3 + 40],
      ['crc', rec3 + 9],
      ['length', rec3 + 5],
      ['magic', rec3],
      ['seq', rec3 + 14],
    ] as const) {
      const dir = copyOf(w.dir);
      const seg = segIn(dir);
      const b = readFileSync(seg);
      b[offset]! ^= 0x5a;
      writeFileSync(seg, b);
      const { spool, warnings } = open(dir);
      expect(spool.stats(), what).toMatchObject({ batches: 4, corruptRecords: 1, tornRecords: 0 });
      expect(warnings()).toHaveLength(1);
      expect(warnings()[0]!.damagedRegions).toBe(1);
      expect(drain(spool), what).toEqual([1, 2, 4, 5]);
      expect(spool.stats().corruptRecords).toBe(1); // reading met the known damage again: not counted twice
      spool.close();
    }
  });

  it("a damaged segment header still yields the segment's intact records", () => {
    const w = written(3);
    const dir = copyOf(w.dir);
    const seg = segIn(dir);
    const b = readFileSync(seg);
    b.write('XXXXXXXX', 0, 'latin1');
    writeFileSync(seg, b);
    const { spool } = open(dir);
    expect(spool.stats()).toMatchObject({ batches: 3, corruptRecords: 1 });
    expect(drain(spool)).toEqual([1, 2, 3]);
    spool.close();
  });

  it('garbage in the spool directory (foreign files, a garbage segment, a directory, a bad cursor, a bad seq file) does not stop start-up', () => {
    const w = written(3);
    const dir = copyOf(w.dir);
    writeFileSync(join(dir, 'notes.txt'), 'not ours');
    writeFileSync(join(dir, '000000000007.seg'), Buffer.from(Array.from({ length: 5000 }, (_, i) => (i * 7919) % 251)));
    mkdirSync(join(dir, '000000000008.seg'));
    writeFileSync(join(dir, 'cursor.json'), '{"ackedSeq": "ni');
    writeFileSync(join(dir, 'seq'), Buffer.alloc(32, 0xee));
    const { spool, warnings } = open(dir);
    expect(spool.stats()).toMatchObject({ batches: 3, corruptRecords: 1 });
    expect(warnings().length).toBeLessThanOrEqual(2); // the cursor, and one summary of everything skipped
    const summary = warnings().find((l) => Array.isArray(l.foreignFiles))!;
    expect(summary.foreignFiles).toEqual(['notes.txt']);
    expect(summary.unreadableSegments).toEqual([expect.stringContaining('000000000008.seg')]);
    expect(put(spool, 4)).toBe(4); // seq continues after what is on disk, though the seq file was unreadable
    expect(drain(spool)).toEqual([1, 2, 3, 4]);
    spool.close();
    expect(readdirSync(dir)).toContain('notes.txt'); // not the spool's: left alone
    expect(readdirSync(dir)).not.toContain('000000000007.seg'); // named like a segment but nothing of ours in it: gone
  });

  it('an empty or half-written new segment (a crash while it was created) is removed; a half-written header counts as a torn tail', () => {
    const w = written(2);
    for (const len of [0, 3, 8]) {
      const dir = copyOf(w.dir);
      writeFileSync(join(dir, '000000000002.seg'), Buffer.from('VGSPOOL1', 'latin1').subarray(0, len));
      const { spool, warnings } = open(dir);
      expect(spool.stats()).toMatchObject({ batches: 2, corruptRecords: 0 });
      expect(spool.stats().tornRecords).toBe(len > 0 && len < 8 ? 1 : 0);
      expect(warnings()).toHaveLength(len > 0 && len < 8 ? 1 : 0); // one line for it
      expect(put(spool, 3)).toBe(3);
      expect(drain(spool)).toEqual([1, 2, 3]);
      spool.close();
    }
  });
});
