import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../shared/clock.js';
import { Spool } from '../../../shared/spool/spool.js';
import type { AgentState } from '../../../agent/src/state.js';
import { Transport } from '../../../agent/src/transport.js';
import { freePort, tempDir } from '../../helpers/net.js';

const dir = tempDir();
const silent = pino({ level: 'silent' });
const sample = (i: number) => ({ kind: 'metric' as const, name: 'host_cpu_usage_ratio', ts: i, value: 0.5 });

/** A collector answering batches (idempotent by seq) and heartbeats; `refuseSpoolStats` plays a collector from before the spool. */
function collector(refuseSpoolStats = false) {
  const seqs: number[] = [];
  const heartbeats: Array<Record<string, unknown>> = [];
  const seen = new Set<number>();
  const server: Server = createServer((req, res) => {
    let s = '';
    req.on('data', (d) => (s += d));
    req.on('end', () => {
      const v = JSON.parse(s);
      if (req.url === '/api/v1/heartbeat') {
        heartbeats.push(v);
        if (refuseSpoolStats && 'spool' in v) return void res.writeHead(400).end('{"error":{"code":"VIGIL_ERR_BODY_INVALID"}}');
        return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ serverTime: Date.now() }));
      }
      seqs.push(v.seq);
      const stored = !seen.has(v.seq);
      seen.add(v.seq);
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ agentId: v.agentId, seq: v.seq, stored, accepted: v.samples.length }));
    });
  });
  return { server, seqs, heartbeats };
}
const listen = (s: Server, port: number) => new Promise<void>((r) => s.listen(port, '127.0.0.1', () => r()));
const state = (port: number): AgentState => ({
  agentId: 'acme.replay',
  agentToken: 't'.repeat(64),
  clientId: 'acme',
  siteId: 'hq',
  collectorUrl: `http://127.0.0.1:${port}`,
  lastSeq: 0,
});
const servers: Server[] = [];
const readCursorText = (d: string) => {
  try {
    return readFileSync(join(d, 'cursor.json'), 'utf8');
  } catch {
    return undefined;
  }
};
afterAll(() => {
  servers.forEach((s) => s.close());
  dir.remove();
});

describe('agent transport over the spool: backfill rate, resends, heartbeat stats', () => {
  it('a backlog drains in seq order at no more than spool.replayRate batches per second', async () => {
    const port = await freePort();
    const clock = new ManualClock(1_700_000_000_000);
    const spool = new Spool({ dir: join(dir.path, 'rate'), fsync: 1000, maxBytes: 8 << 20, maxAgeMs: 86_400_000 }, clock, silent);
    const t = new Transport(state(port), spool, clock, silent, { batchMaxSamples: 1, replayRate: 5 });
    for (let i = 1; i <= 40; i++) t.add(sample(i)); // 40 batches of one sample, sealed as they fill
    await t.flush(); // collector down: refused, backs off 1 s
    expect(t.queuedBatches).toBe(40);
    const c = collector();
    servers.push(c.server);
    await listen(c.server, port);
    clock.advance(1000);
    const sentAt: number[] = [];
    const t0 = clock.now();
    for (let step = 0; step < 200 && c.seqs.length < 40; step++) {
      const before = c.seqs.length;
      await t.flush();
      for (let k = before; k < c.seqs.length; k++) sentAt.push(clock.now() - t0);
      if (c.seqs.length < 40) {
        expect(t.paced).toBe(true); // held back only by the rate: the flusher comes back at retryAt, not after its gap
        expect(t.retryAt).toBeGreaterThan(clock.now());
      }
      clock.advance(50);
    }
    expect(c.seqs).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    // a one-second bucket: 5 at once, then one every 200 ms; in any window of w ms at most 5 + 5w/1000
    for (let i = 0; i < sentAt.length; i++)
      for (let j = i; j < sentAt.length; j++) expect(j - i + 1).toBeLessThanOrEqual(5 + Math.floor((5 * (sentAt[j]! - sentAt[i]!)) / 1000) + 1);
    expect(sentAt.at(-1)!).toBeGreaterThanOrEqual(((40 - 5) * 1000) / 5 - 100);
    await t.close();
    spool.close();
  });

  it('counts batches the collector already had (resent after a power loss took the newest cursor.json), stored once', async () => {
    const port = await freePort();
    const clock = new ManualClock(1_700_000_000_000);
    const c = collector();
    servers.push(c.server);
    await listen(c.server, port);
    const opts = { dir: join(dir.path, 'resend'), fsync: 1000, maxBytes: 8 << 20, maxAgeMs: 86_400_000 };
    const before = readCursorText(opts.dir);
    const spool = new Spool(opts, clock, silent);
    const t = new Transport(state(port), spool, clock, silent, { batchMaxSamples: 1, replayRate: 100 });
    for (let i = 1; i <= 3; i++) t.add(sample(i));
    await t.flush();
    expect(c.seqs).toEqual([1, 2, 3]);
    expect(JSON.parse(readCursorText(opts.dir)!).ackedSeq).toBe(3);
    await t.close();
    // power loss: the cursor's newest version is lost (it is not fsynced), the segment is still there
    writeFileSync(join(opts.dir, 'cursor.json'), before ?? '{"ackedSeq":0,"droppedBatches":0,"droppedSamples":0}');
    const again = new Spool(opts, clock, silent);
    const t2 = new Transport(state(port), again, clock, silent, { batchMaxSamples: 1, replayRate: 100 });
    expect(t2.queuedBatches).toBe(3);
    await t2.flush();
    expect(c.seqs).toEqual([1, 2, 3, 1, 2, 3]); // the same (agentId, seq): the collector stored each once
    expect(t2.resentBatches).toBe(3);
    expect(t2.queuedBatches).toBe(0);
    await t2.close();
    again.close();
  });

  it('sends spool figures in the heartbeat, and leaves them out for a collector from before the spool (400 on the field)', async () => {
    const hb = {
      agentId: 'acme.replay',
      sentAt: 1,
      agentVersion: 't',
      uptimeSeconds: 1,
      queuedBatches: 0,
      intervalSeconds: 15,
      checks: [],
      spool: { batches: 3, bytes: 300, oldestAgeSeconds: 12, droppedBatches: 0, droppedSamples: 0 },
    };
    for (const old of [false, true]) {
      const port = await freePort();
      const c = collector(old);
      servers.push(c.server);
      await listen(c.server, port);
      const clock = new ManualClock(1_700_000_000_000);
      const spool = new Spool({ dir: join(dir.path, `hb-${old}`), fsync: 1000, maxBytes: 8 << 20, maxAgeMs: 86_400_000 }, clock, silent);
      const t = new Transport(state(port), spool, clock, silent, { batchMaxSamples: 10, replayRate: 10 });
      expect(await t.heartbeat(hb)).toBe(true);
      expect(await t.heartbeat(hb)).toBe(true);
      expect(c.heartbeats.map((h) => 'spool' in h)).toEqual(old ? [true, false, false] : [true, true]);
      if (!old) expect(c.heartbeats[0]!.spool).toEqual(hb.spool);
      await t.close();
      spool.close();
    }
  });
});
