import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../shared/clock.js';
import { Spool } from '../../../shared/spool/spool.js';
import { readState, writeState } from '../../../agent/src/state.js';
import { Transport } from '../../../agent/src/transport.js';
import { tempDir } from '../../helpers/net.js';
import { result, scriptedCollector, status, store, type Seen } from './scripted-collector.js';

const dir = tempDir();
afterAll(() => dir.remove());
const T0 = Date.UTC(2026, 2, 1, 12, 0, 0);
const silent = pino({ level: 'silent' });

/** An enrolled agent's state dir, its spool options, and a way to (re)start its transport as main.ts does. */
function site(name: string, port: number, clock: ManualClock, batchMaxSamples = 10) {
  const stateDir = join(dir.path, name);
  writeState(stateDir, {
    agentId: `acme.${name}`,
    agentToken: 's'.repeat(64),
    clientId: 'acme',
    siteId: 'hq',
    collectorUrl: `http://127.0.0.1:${port}`,
    lastSeq: 0,
  });
  const spoolOpts = { dir: join(stateDir, 'spool'), fsync: 'always' as const, maxBytes: 8 << 20, maxAgeMs: 86_400_000 };
  const start = () => {
    const spool = new Spool(spoolOpts, clock, silent);
    const t = new Transport(readState(stateDir), spool, clock, silent, { batchMaxSamples, replayRate: 100, random: () => 0.5, stateDir });
    return { spool, t, stop: async () => (await t.close(), spool.close()) };
  };
  return { stateDir, spoolDir: spoolOpts.dir, start };
}
const journalText = (stateDir: string) => readFileSync(join(stateDir, 'spool-split.json'), 'utf8');

describe('agent transport: 413, splits and limits', () => {
  it('413: resent in halves under new seqs down to what fits; every sample stored once; no seq sent with two contents; a lone sample too large is dropped, counted', async () => {
    const clock = new ManualClock(T0);
    const c = scriptedCollector(clock);
    const s = site('split', await c.listen(), clock);
    // more than 3 samples, or the one huge sample in any company but its own: 413
    c.ingest = (b) => (b.body.samples.some((x) => x.message === 'huge') || b.body.samples.length > 3 ? status(413) : store);
    const { t, stop } = s.start();
    const samples = Array.from({ length: 10 }, (_, i) => result(100 + i, 'web-1', i === 7 ? 'huge' : undefined));
    samples.forEach((x) => t.add(x)); // one batch of 10: seq 1
    await t.flush();
    expect(t.queuedBatches).toBe(0);
    const seqs = c.batches().map((b) => b.body.seq);
    expect(seqs.filter((q) => q === 1)).toEqual([1]); // the original seq: sent once, never again
    expect(new Set(seqs).size).toBe(seqs.length); // every part under its own seq
    expect(c.violations).toEqual([]);
    for (const x of samples) expect(c.timesStored(x)).toBe(x.message === 'huge' ? 0 : 1);
    expect(t.stats).toMatchObject({ tooLargeSamples: 1, splitBatches: 1, refusedSamples: 0 });
    // halves in order: [0,5) → [0,3) [3,5); [5,10) → [5,8) → [5,7) [7,8) (huge, alone: dropped), [8,10)
    expect(c.batches().map((b) => b.body.samples.map((x) => x.ts - 100))).toEqual([
      [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
      [0, 1, 2, 3, 4],
      [0, 1, 2],
      [3, 4],
      [5, 6, 7, 8, 9],
      [5, 6, 7],
      [5, 6],
      [7],
      [8, 9],
    ]);
    await stop();
    await c.close();
  });

  it('a crash in the middle of a split: the restart sends the same parts under the same seqs (journal fsynced before the first part), then nothing again after a lost cursor', async () => {
    const clock = new ManualClock(T0);
    const c = scriptedCollector(clock);
    const s = site('crash', await c.listen(), clock, 8);
    const onDiskWhenSent: Array<{ seq: number; leaves: number[] }> = [];
    let parts = 0;
    c.ingest = (b) => {
      if (b.body.seq !== 1) {
        const j = JSON.parse(journalText(s.stateDir)) as { splits: Array<{ leaves: Array<{ seq: number }> }> };
        onDiskWhenSent.push({ seq: b.body.seq, leaves: j.splits.flatMap((x) => x.leaves.map((l) => l.seq)) });
      }
      if (b.body.samples.length > 4) return status(413);
      // the first part is stored but its answer is lost; then the "agent" dies in its backoff
      return ++parts === 1 ? { kind: 'store', lostAnswer: true } : status(500);
    };
    const samples = Array.from({ length: 8 }, (_, i) => result(200 + i));
    const run1 = s.start();
    samples.forEach((x) => run1.t.add(x)); // seq 1, 8 samples
    const cursorBefore = '{"ackedSeq":0,"droppedBatches":0,"droppedSamples":0}'; // nothing acknowledged yet
    await run1.t.flush();
    const journal = JSON.parse(journalText(s.stateDir)) as { splits: Array<{ parent: number; leaves: Array<{ seq: number }> }> };
    expect(journal.splits.map((x) => x.parent)).toEqual([1]);
    const leafSeqs = journal.splits[0]!.leaves.map((l) => l.seq);
    // every part was in the journal on disk before it was sent (a power loss after sending cannot split afresh)
    expect(onDiskWhenSent.map((p) => p.seq)).toEqual([2]);
    expect(leafSeqs).toEqual([2, 3]);
    for (const p of onDiskWhenSent) expect(p.leaves).toContain(p.seq);
    await run1.stop();

    c.ingest = () => store; // the collector is fine now
    const run2 = s.start();
    await run2.t.flush();
    expect(run2.t.queuedBatches).toBe(0);
    expect(run2.t.stats.splitBatches).toBe(0); // not split afresh
    expect(
      c
        .batches()
        .slice(2)
        .map((b) => b.body.seq),
    ).toEqual([2, 3]); // the same parts under the same seqs
    expect(run2.t.resentBatches).toBe(1); // part 2 was stored before the crash: acknowledged, not stored again
    for (const x of samples) expect(c.timesStored(x)).toBe(1);
    expect(c.violations).toEqual([]);
    await run2.stop();

    // power loss: cursor.json's newest version is lost, seq 1 is back in the spool; the journal knows it was delivered
    writeFileSync(join(s.spoolDir, 'cursor.json'), cursorBefore);
    const before = c.batches().length;
    const run3 = s.start();
    expect(run3.t.queuedBatches).toBe(1);
    await run3.t.flush();
    expect(run3.t.queuedBatches).toBe(0);
    expect(c.batches().length).toBe(before); // nothing sent
    expect(run3.t.resentBatches).toBe(1);
    await run3.stop();
    await c.close();
  });

  it('never builds a batch over the advertised limits; keeps them in agent.json for the next start; splits a batch spooled before them instead of sending it', async () => {
    const clock = new ManualClock(T0);
    const c = scriptedCollector(clock);
    const s = site('limits', await c.listen(), clock, 500);
    const limits = { maxBatchBytes: 2000, maxSamplesPerBatch: 8, futureToleranceSeconds: 120, maxSampleAgeSeconds: 604800, batchesPerSecond: 50 };
    c.heartbeat = () => status(200, undefined, { serverTime: T0, limits });
    const over: Seen[] = [];
    c.ingest = (b) => {
      if (b.bytes > limits.maxBatchBytes || b.body.samples.length > limits.maxSamplesPerBatch) over.push(b);
      return store;
    };
    const text = 'x'.repeat(300); // ≈ 400-byte samples: the byte limit binds before the count
    const first = Array.from({ length: 10 }, (_, i) => result(300 + i, 'web-1', text));
    const run1 = s.start();
    first.forEach((x) => run1.t.add(x));
    run1.t.seal(); // sealed before any limit was known: one batch of 10 (≈ 4 kB)
    const hb = { agentId: 'acme.limits', sentAt: T0, agentVersion: 't', uptimeSeconds: 1, queuedBatches: 1, intervalSeconds: 15, checks: [] };
    expect(await run1.t.heartbeat(hb)).toBe(true);
    expect(readState(s.stateDir).limits).toEqual({ maxBatchBytes: 2000, maxSamplesPerBatch: 8, batchesPerSecond: 50 });
    const second = Array.from({ length: 10 }, (_, i) => result(400 + i, 'web-1', text));
    second.forEach((x) => run1.t.add(x));
    await run1.t.flush();
    await run1.stop();

    c.heartbeat = () => ({ kind: 'hang' }); // the restart knows the limits before any answer
    const run2 = s.start();
    const third = Array.from({ length: 10 }, (_, i) => result(500 + i, 'web-1', text));
    third.forEach((x) => run2.t.add(x));
    await run2.t.flush();
    await run2.stop();

    expect(over).toEqual([]); // no batch over the limits ever reached the collector
    expect(c.batches().some((b) => b.body.samples.length > 1)).toBe(true);
    for (const x of [...first, ...second, ...third]) expect(c.timesStored(x)).toBe(1);
    expect(c.violations).toEqual([]);
    await c.close();
  });
});
