import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../shared/clock.js';
import { Spool, type SpoolOptions } from '../../../shared/spool/spool.js';

/**
 * Power loss, simulated on the files themselves: the page cache keeps what the agent wrote, a
 * power loss keeps only what was fsynced plus some of the rest. For a recorded sequence of spool
 * writes, the directory is rebuilt as it may be found after the loss — everything up to the last
 * fsync, then the unsynced bytes cut at every boundary (and, separately, each unsynced file cut
 * on its own, as a file system that writes back out of order may leave them) — and recovered.
 */
/** Memory-backed when the machine has /dev/shm (tmpfs): the fsyncs of ~2,000 recoveries cost nothing there, and the losses are simulated anyway. */
const TMPFS_MAGIC = 0x01021994;
const base = existsSync('/dev/shm') && statfsSync('/dev/shm').type === TMPFS_MAGIC ? '/dev/shm' : tmpdir();
const root = { path: mkdtempSync(join(base, 'vigil-power-loss-')) };
afterAll(() => rmSync(root.path, { recursive: true, force: true }));
let n = 0;
const clock = new ManualClock(1_700_000_000_000);
const silent = pino({ level: 'silent' });
/** An interval long enough never to fire: the test decides when the spool fsyncs. */
const opts = (dir: string): SpoolOptions => ({ dir, fsync: 3_600_000, maxBytes: 1 << 20, maxAgeMs: 86_400_000, segmentBytes: 700 });
const samplesFor = (seq: number) => JSON.stringify([{ kind: 'metric', name: 'm', ts: seq, value: seq * 3 }]);
type Files = Map<string, Buffer>;
const snapshot = (dir: string): Files => new Map(readdirSync(dir).map((f) => [f, readFileSync(join(dir, f))]));

/** The recorded run: 6 batches, 2 acknowledged, commit, fsync; then 7 more (over new segments) and 1 more ack, none fsynced. */
function record() {
  const dir = join(root.path, `rec${n++}`);
  const s = new Spool(opts(dir), clock, silent);
  for (let i = 1; i <= 6; i++) expect(s.append(samplesFor(i), 1)).toBe(i);
  s.ack(1);
  s.ack(2);
  s.commit();
  s.sync();
  const synced = snapshot(dir);
  for (let i = 7; i <= 13; i++) expect(s.append(samplesFor(i), 1)).toBe(i);
  s.ack(3);
  s.commit();
  const final = snapshot(dir);
  // the process is gone without close(): what it wrote since the sync is only in the page cache
  return { synced, final };
}

/** Rebuilds a directory: segment files cut to `lengths` (absent when undefined), the cursor in one of its two versions, the seq file as durable. */
function rebuild(final: Files, lengths: Map<string, number | undefined>, cursor: Buffer | undefined, seq: Buffer): string {
  const dir = join(root.path, `pl${n++}`);
  mkdirSync(dir);
  for (const [name, len] of lengths) if (len !== undefined) writeFileSync(join(dir, name), final.get(name)!.subarray(0, len));
  if (cursor) writeFileSync(join(dir, 'cursor.json'), cursor);
  writeFileSync(join(dir, 'seq'), seq); // written in place and fdatasynced before any seq of a block is used
  return dir;
}

/** Recovers and checks: a valid spool, seqs strictly increasing, each payload the one written, all fsynced batches there. */
function recoverAndCheck(dir: string, ackedDurably: number): number[] {
  const s = new Spool(opts(dir), clock, silent);
  const seqs: number[] = [];
  for (let b = s.peek(); b; b = s.peek()) {
    expect(JSON.parse(b.payload)).toEqual({ seq: b.seq, samples: JSON.parse(samplesFor(b.seq)) });
    seqs.push(b.seq);
    s.ack(b.seq);
  }
  expect(new Set(seqs).size).toBe(seqs.length);
  expect([...seqs].sort((a, b) => a - b)).toEqual(seqs);
  for (let seq = ackedDurably + 1; seq <= 6; seq++) expect(seqs, `fsynced seq ${seq}`).toContain(seq);
  expect(seqs.every((q) => q > ackedDurably && q <= 13)).toBe(true);
  expect(s.append(samplesFor(99), 1)).toBeGreaterThan(13); // never a seq the lost writes may have carried
  s.close();
  rmSync(dir, { recursive: true });
  return seqs;
}

describe('agent spool: power-loss simulation', () => {
  const { synced, final } = record();
  const segments = [...final.keys()].filter((f) => f.endsWith('.seg')).sort();
  const syncedLen = (name: string) => synced.get(name)?.length ?? 0;
  const cursors = [synced.get('cursor.json'), final.get('cursor.json')];
  const seq = final.get('seq')!;

  it('the recorded run spans segments, and has unsynced bytes in an old segment and in new ones', () => {
    expect(segments.length).toBeGreaterThanOrEqual(3);
    expect(segments.filter((f) => !synced.has(f)).length).toBeGreaterThanOrEqual(2);
    expect(JSON.parse(cursors[0]!.toString()).ackedSeq).toBe(2);
    expect(JSON.parse(cursors[1]!.toString()).ackedSeq).toBe(3);
  });

  it('unsynced writes cut at every byte boundary, in write order, with either cursor: always a valid spool, no duplicate, nothing fsynced lost', () => {
    const unsynced = segments.map((f) => ({ name: f, from: syncedLen(f), to: final.get(f)!.length }));
    const total = unsynced.reduce((t, u) => t + u.to - u.from, 0);
    expect(total).toBeGreaterThan(7 * 32);
    const seen = new Set<string>();
    for (let cut = 0; cut <= total; cut++) {
      for (const [ci, cursor] of cursors.entries()) {
        let left = cut;
        const lengths = new Map<string, number | undefined>();
        for (const u of unsynced) {
          const take = Math.min(left, u.to - u.from);
          left -= take;
          // a segment created after the last sync may not exist at all, until a byte of it is kept
          lengths.set(u.name, synced.has(u.name) || take > 0 ? u.from + take : undefined);
        }
        const seqs = recoverAndCheck(rebuild(final, lengths, cursor, seq), ci === 0 ? 2 : 3);
        // in write order, the batches kept after the sync are a prefix of those written
        const after = seqs.filter((q) => q > 6);
        expect(after).toEqual(after.map((_, i) => 7 + i));
        seen.add(after.join(','));
      }
    }
    expect(seen.size).toBe(8); // from none of 7…13 kept to all of them
  });

  it('each unsynced file cut on its own (out-of-order write-back): still valid, no duplicate, nothing fsynced lost', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: segments.length, maxLength: segments.length }),
        fc.boolean(),
        (cuts, newCursor) => {
          const lengths = new Map<string, number | undefined>();
          segments.forEach((name, i) => {
            const from = syncedLen(name);
            const len = from + Math.floor(cuts[i]! * (final.get(name)!.length - from));
            lengths.set(name, !synced.has(name) && len === 0 && cuts[i]! < 0.1 ? undefined : len);
          });
          recoverAndCheck(rebuild(final, lengths, cursors[newCursor ? 1 : 0], seq), newCursor ? 3 : 2);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('a lost cursor file only resends: the fsynced batches are all there', () => {
    const lengths = new Map(segments.map((f) => [f, syncedLen(f) || undefined] as const));
    const dir = rebuild(final, lengths, undefined, seq);
    expect(existsSync(join(dir, 'cursor.json'))).toBe(false);
    expect(recoverAndCheck(dir, 0)).toEqual([1, 2, 3, 4, 5, 6]);
  });
});
