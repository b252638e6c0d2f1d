import { execFileSync } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../shared/clock.js';
import { Spool, type SpoolOptions } from '../../../shared/spool/spool.js';

/** A real full disk: a 1 MiB tmpfs (needs root, as in CI; ../shared/PEERS.md), filled up with a filler file. */
const mnt = mkdtempSync(join(tmpdir(), 'vigil-diskfull-'));
let mounted = false;
beforeAll(() => {
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', mnt]);
  mounted = true;
});
afterAll(() => {
  // a failed test may leave the spool's files open: then detach lazily, the kernel frees it when they close
  if (mounted)
    try {
      execFileSync('umount', [mnt], { stdio: 'pipe' });
    } catch {
      execFileSync('umount', ['-l', mnt]);
    }
  rmSync(mnt, { recursive: true, force: true });
});

/** Writes a file until the file system refuses; returns the error code it gave. */
function fill(path: string): string {
  const fd = openSync(path, 'w');
  const chunk = Buffer.alloc(16 * 1024, 1);
  try {
    for (;;) writeSync(fd, chunk);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code!;
  } finally {
    closeSync(fd);
  }
}

const clock = new ManualClock(1_700_000_000_000);
const batch = (i: number) => JSON.stringify([{ kind: 'check', checkId: 'web', type: 'http', ts: i, status: 'up', durationMs: 1, message: 'x'.repeat(200) }]);

describe('agent spool on a full disk (a real size-limited tmpfs)', () => {
  it('keeps the newest batches in a bounded memory buffer, logs once, counts; when space returns they reach the disk, in seq order', () => {
    const dir = join(mnt, 'spool');
    mkdirSync(dir);
    const logs: Array<{ level: number; msg: string } & Record<string, unknown>> = [];
    const logger = pino({ level: 'info' }, { write: (s: string) => void logs.push(JSON.parse(s)) });
    const opts: SpoolOptions = { dir, fsync: 'always', maxBytes: 64 << 20, maxAgeMs: 86_400_000, segmentBytes: 64 * 1024, memorySamples: 20 };
    const spool = new Spool(opts, clock, logger);
    for (let i = 1; i <= 5; i++) expect(spool.append(batch(i), 1)).toBe(i); // on disk before the disk fills
    expect(fill(join(mnt, 'filler'))).toBe('ENOSPC');

    // the segment's last page may still take a record or two: the first refusal comes within a few appends
    let seq = 5;
    while (spool.events.diskRefusals === 0 && seq < 30) seq = spool.append(batch(seq + 1), 1);
    expect(spool.events.diskRefusals).toBe(1);
    const onDisk = seq - 1; // 1 … onDisk are on disk, `seq` is the first in memory
    for (let i = seq + 1; i <= seq + 69; i++) expect(spool.append(batch(i), 1)).toBe(i);
    const last = seq + 69; // past seq 64: the seq reservation is written while the disk is full (in place, no new blocks)
    expect(spool.events.diskRefusals).toBe(70); // every append since, refused (the disk is still full)
    expect(spool.stats()).toMatchObject({ memoryBatches: 20, batches: onDisk + 20, droppedBatches: 50, droppedSamples: 50 }); // the newest 20 samples
    const refused = logs.filter((l) => /refuses writes/.test(l.msg));
    expect(refused).toHaveLength(1);
    expect(refused[0]!.code).toBe('ENOSPC');
    // sending goes on meanwhile: first what is on disk, then the memory buffer
    const sent: number[] = [];
    for (let k = 0; k < onDisk + 2; k++) {
      const b = spool.peek()!;
      sent.push(b.seq);
      spool.ack(b.seq);
    }
    expect(sent).toEqual([...Array.from({ length: onDisk }, (_, i) => i + 1), last - 19, last - 18]);

    rmSync(join(mnt, 'filler')); // space returns
    expect(spool.append(batch(last + 1), 1)).toBe(last + 1);
    expect(spool.stats()).toMatchObject({ memoryBatches: 0, batches: 19, droppedBatches: 50 });
    expect(logs.filter((l) => /seq reservation/.test(l.msg))).toEqual([]);
    expect(logs.filter((l) => /takes writes again/.test(l.msg))).toHaveLength(1);
    spool.close();

    // what was in memory is on disk now: a restart (or a crash) finds it, in seq order, whole
    const again = new Spool(opts, clock, pino({ level: 'silent' }));
    expect(again.stats()).toMatchObject({ batches: 19, corruptRecords: 0, tornRecords: 0, droppedBatches: 50 });
    const seqs: number[] = [];
    for (let b = again.peek(); b; b = again.peek()) {
      expect(JSON.parse(b.payload).samples[0].ts).toBe(b.seq);
      seqs.push(b.seq);
      again.ack(b.seq);
    }
    expect(seqs).toEqual(Array.from({ length: 19 }, (_, i) => last - 17 + i));
    again.close();
  });

  it('starts on a full disk: what is spooled is there, new batches wait in memory, nothing throws', () => {
    const dir = join(mnt, 'spool2');
    const opts: SpoolOptions = { dir, fsync: 'always', maxBytes: 64 << 20, maxAgeMs: 86_400_000, memorySamples: 10 };
    const first = new Spool(opts, clock, pino({ level: 'silent' }));
    for (let i = 1; i <= 3; i++) first.append(batch(i), 1);
    first.close();
    expect(fill(join(mnt, 'filler2'))).toBe('ENOSPC');
    try {
      const s = new Spool(opts, clock, pino({ level: 'silent' }));
      expect(s.stats()).toMatchObject({ batches: 3, corruptRecords: 0 });
      // appends go on in the last segment (its last page may take a few), then the disk refuses
      for (let i = 4; i <= 30; i++) expect(s.append(batch(i), 1)).toBe(i);
      expect(s.events.diskRefusals).toBeGreaterThan(0);
      const st = s.stats();
      expect(st.batches + st.droppedBatches).toBe(30);
      expect(st.memoryBatches).toBe(10); // memorySamples: 10
      const seqs: number[] = [];
      for (let b = s.peek(); b; b = s.peek()) {
        seqs.push(b.seq);
        s.ack(b.seq);
      }
      expect(seqs).toEqual([...Array.from({ length: 30 - 10 - st.droppedBatches }, (_, i) => i + 1), ...Array.from({ length: 10 }, (_, i) => 21 + i)]);
      s.close();
    } finally {
      rmSync(join(mnt, 'filler2'));
    }
  });
});
