import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { HEADER_BYTES } from '../../shared/spool/record.js';
import { settle } from './fault-table.js';
import { CHECKS, faultRig, INTERVAL_MS, T0, type Rig } from './rig.js';

/**
 * Spool faults end to end: the WAN (fault proxy) down while the real agent spool fills on disk,
 * damage done to its files as a crash or a bad disk leaves them, then the WAN up and the backlog
 * drained into the real collector; the books closed against its database (fault-table.ts).
 */
const rigs: Rig[] = [];
const cleanups: Array<() => void> = [];
afterEach(async () => {
  for (const r of rigs.splice(0)) await r.close();
  for (const c of cleanups.splice(0)) c();
});
const rig = async (o: Parameters<typeof faultRig>[0] = {}) => {
  const r = await faultRig(o);
  rigs.push(r);
  return r;
};
/** Rounds [from, to) at the interval; every `flushEvery` rounds the agent tries to send (and the collector sweeps). */
async function rounds(r: Rig, from: number, to: number, flushEvery = 1) {
  for (let i = from; i < to; i++) {
    r.clock.set(T0 + i * INTERVAL_MS);
    r.round(T0 + i * INTERVAL_MS);
    if ((i + 1) % flushEvery === 0) {
      await r.agent.transport.flush();
      await r.f.engine.sweep();
    }
  }
}
const segments = (r: Rig) =>
  readdirSync(r.spoolOptions.dir)
    .filter((n) => n.endsWith('.seg'))
    .sort()
    .map((n) => join(r.spoolOptions.dir, n));
/** Byte offsets of the records in a segment file, by the documented framing (shared/spool/record.ts). */
function recordOffsets(file: string): number[] {
  const b = readFileSync(file);
  const out: number[] = [];
  for (let at = 8; at + HEADER_BYTES <= b.length; at += HEADER_BYTES + b.readUInt32LE(at + 4)) out.push(at);
  return out;
}

describe('fault suite: spool', () => {
  it('outage drain 24 h: a day of rounds every 10 s spooled on disk (8,640 batches), drained in seq order at the replay rate, the inferred unknowns replaced', async () => {
    const r = await rig();
    await rounds(r, 0, 6);
    expect(await r.heartbeat()).toBe(true);
    await r.drain();
    await r.proxy.down();
    const day = 86_400_000 / INTERVAL_MS;
    await rounds(r, 6, 6 + day, 6); // the agent tries every minute (within its backoff), the collector sweeps
    const during = r.agent.spool.stats();
    expect(during.batches).toBe(day);
    expect(during.memoryBatches).toBe(0); // the spool, not the heap, holds the outage
    expect(during.droppedBatches).toBe(0);
    const inferred = (await r.f.store.checks.transitionsFor('acme', [...CHECKS], T0, r.clock.now() + 1)).filter((t) => t.state === 'unknown');
    expect(inferred.length).toBeGreaterThan(0); // the sweep saw the site silent
    await r.proxy.up();
    expect(await r.heartbeat()).toBe(true);
    const started = r.clock.now();
    const flushes = await r.drain();
    const drainSeconds = (r.clock.now() - started) / 1000;
    expect(drainSeconds).toBeGreaterThanOrEqual((day - 50) / 50); // no faster than spool.replayRate (50/s here)
    const seqs = r.proxy.ackedSeqs();
    expect(seqs.length).toBe(day + 6);
    expect(new Set(seqs).size).toBe(seqs.length);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b)); // acknowledged in seq order, each once
    await r.f.engine.sweep();
    const left = (await r.f.store.checks.transitionsFor('acme', [...CHECKS], T0, T0 + (6 + day) * INTERVAL_MS)).filter((t) => t.state === 'unknown');
    expect(left).toEqual([]);
    settle('outage drain 24 h', r.account(), {
      detail: `${day} batches spooled over 24 h (injected clock), drained in ${flushes} flushes over ${drainSeconds.toFixed(0)} s at the replay rate, in seq order; ${inferred.length} inferred unknowns replaced`,
    });
  });

  it('torn record: a crash mid-write leaves the last record cut; the restart skips it with one log line and a counter', async () => {
    const r = await rig();
    await r.proxy.down();
    await rounds(r, 0, 10);
    const seg = segments(r).at(-1)!;
    const last = recordOffsets(seg).at(-1)!;
    truncateSync(seg, last + HEADER_BYTES + 5); // the header and 5 bytes of the payload reached the disk
    await r.restartAgent('crash');
    const torn = r.agent.spool.stats().tornRecords;
    expect(torn).toBe(1);
    await r.proxy.up();
    await r.drain();
    settle('torn record', r.account(), {
      explained: torn * CHECKS.length,
      counter: 'tornRecords (1 batch of 3)',
      detail: '10 batches spooled, the last cut at its 37th byte by a crash; 9 delivered',
    });
  });

  it('corrupt segment: a damaged byte inside a record skips that record only, counted once; the rest is delivered', async () => {
    const r = await rig();
    await r.proxy.down();
    await rounds(r, 0, 10);
    await r.restartAgent('clean');
    const seg = segments(r)[0]!;
    const b = readFileSync(seg);
    const fifth = recordOffsets(seg)[4]!;
    b.writeUInt8(b.readUInt8(fifth + HEADER_BYTES + 10) ^ 0x20, fifth + HEADER_BYTES + 10); // a bit flipped in the payload of the fifth record
    writeFileSync(seg, b);
    await r.restartAgent('crash');
    const corrupt = r.agent.spool.stats().corruptRecords;
    expect(corrupt).toBe(1);
    expect(r.logged(/damaged|corrupt/i).length).toBe(1);
    await r.proxy.up();
    await r.drain();
    settle('corrupt segment', r.account(), {
      explained: corrupt * CHECKS.length,
      counter: 'corruptRecords (1 batch of 3)',
      detail: 'a bit flipped in record 5 of 10; the other 9 delivered',
    });
  });

  it('spool full: past spool.maxBytes the oldest segment goes, counted; what is left is the newest, delivered', async () => {
    const r = await rig({ spool: { maxBytes: 256 * 1024, segmentBytes: 32 * 1024 } });
    await r.proxy.down();
    await rounds(r, 0, 2000);
    const s = r.agent.spool.stats();
    expect(s.droppedSamples).toBeGreaterThan(0);
    expect(s.diskBytes).toBeLessThanOrEqual(256 * 1024);
    await r.proxy.up();
    await r.drain();
    const first = r.oldestStored('fw-1');
    expect(first).toBe(T0 + (s.droppedSamples / CHECKS.length) * INTERVAL_MS); // drop-oldest: exactly the oldest rounds went
    settle('spool full drop-oldest', r.account(), {
      explained: s.droppedSamples,
      counter: 'droppedSamples',
      detail: `2000 batches into a 256 KiB spool: ${s.droppedBatches} oldest dropped`,
    });
  });

  it('max age: batches sealed longer than spool.maxAge ago are dropped, counted; the younger delivered', async () => {
    const r = await rig({ spool: { maxAgeMs: 3_600_000 } });
    await r.proxy.down();
    await rounds(r, 0, 3 * 360, 6); // 3 h
    await r.proxy.up();
    await r.drain();
    const s = r.agent.spool.stats();
    expect(s.droppedSamples).toBeGreaterThan(0);
    expect(r.oldestStored('fw-1')).toBeGreaterThanOrEqual(r.clock.now() - 3_600_000 - 60_000);
    settle('max age', r.account(), {
      explained: s.droppedSamples,
      counter: 'droppedSamples',
      detail: `3 h of outage, spool.maxAge 1 h: ${s.droppedBatches} batches older dropped`,
    });
  });

  it('disk full (a real 1 MiB tmpfs): the newest wait in a small memory buffer, logged once, counted; back on disk when space returns', async () => {
    const mnt = mkdtempSync(join(tmpdir(), 'vigil-faults-disk-'));
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', mnt]);
    cleanups.push(() => {
      try {
        execFileSync('umount', [mnt], { stdio: 'pipe' });
      } catch {
        execFileSync('umount', ['-l', mnt]);
      }
      rmSync(mnt, { recursive: true, force: true });
    });
    const r = await rig({ agentDir: mnt, spool: { memorySamples: 30, fsync: 'always' } });
    await r.proxy.down();
    await rounds(r, 0, 5);
    const filler = join(mnt, 'filler');
    const fd = openSync(filler, 'w');
    try {
      for (const chunk = Buffer.alloc(16 * 1024, 1); ; ) writeSync(fd, chunk);
    } catch (e) {
      expect((e as NodeJS.ErrnoException).code).toBe('ENOSPC');
    } finally {
      closeSync(fd);
    }
    await rounds(r, 5, 40); // 35 batches of 3 against a buffer of 30 samples
    const full = r.agent.spool.stats();
    expect(full.memoryBatches).toBe(10);
    expect(r.logged(/refuses writes/).length).toBe(1);
    rmSync(filler);
    await rounds(r, 40, 45);
    expect(r.agent.spool.stats().memoryBatches).toBe(0);
    await r.proxy.up();
    await r.drain();
    const s = r.agent.spool.stats();
    settle('disk full', r.account(), {
      explained: s.droppedSamples,
      counter: 'droppedSamples',
      detail: `ENOSPC on a 1 MiB tmpfs for 35 rounds: the newest 10 batches kept in memory, ${s.droppedBatches} dropped`,
    });
  });
});
