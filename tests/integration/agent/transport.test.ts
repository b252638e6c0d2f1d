import { statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../shared/clock.js';
import { pino } from 'pino';
import type { SampleBatch } from '../../../shared/protocol/v1/batch.js';
import { enroll } from '../../../agent/src/enroll.js';
import { readState, writeState } from '../../../agent/src/state.js';
import { Spool } from '../../../shared/spool/spool.js';
import { Transport } from '../../../agent/src/transport.js';
import { freePort, tempDir } from '../../helpers/net.js';

const dir = tempDir();
afterAll(() => dir.remove());
const sample = (i: number) => ({ kind: 'metric' as const, name: 'host_cpu_usage_ratio', ts: i, value: i / 100 });

describe('agent transport', () => {
  it('keeps batches in the bounded spool while the collector is down, then delivers each seq once, in order', async () => {
    const port = await freePort();
    const stateDir = join(dir.path, 'a');
    writeState(stateDir, {
      agentId: 'acme.a',
      agentToken: 'x'.repeat(64),
      clientId: 'acme',
      siteId: 'hq',
      collectorUrl: `http://127.0.0.1:${port}`,
      lastSeq: 0,
    });
    const clock = new ManualClock(1_000_000);
    const warnings: string[] = [];
    const logger = pino({ level: 'warn' }, { write: (s: string) => void warnings.push(JSON.parse(s).msg) });
    const spoolOpts = { dir: join(stateDir, 'spool'), fsync: 1000, maxBytes: 1 << 20, maxAgeMs: 86_400_000, maxBatches: 3 };
    const spool = new Spool(spoolOpts, clock, logger);
    const t = new Transport(readState(stateDir), spool, clock, logger, { batchMaxSamples: 2, replayRate: 10 });
    for (let i = 0; i < 10; i++) t.add(sample(i)); // 5 batches of 2; the spool keeps the newest 3
    await t.flush();
    expect(t.queuedBatches).toBe(3);
    expect(spool.stats()).toMatchObject({ droppedBatches: 2, droppedSamples: 4 });
    expect(warnings.some((w) => /queueMaxBatches reached/.test(w))).toBe(true);
    expect(warnings.some((w) => /collector unreachable/.test(w))).toBe(true);

    const got: SampleBatch[] = [];
    let failFirst = true;
    const server: Server = createServer((req, res) => {
      let s = '';
      req
        .on('data', (d) => (s += d))
        .on('end', () => {
          const b = JSON.parse(s) as SampleBatch;
          got.push(b);
          if (failFirst) {
            failFirst = false;
            res.writeHead(503).end();
            return;
          } // the first try fails: must be resent with the same seq
          res
            .writeHead(200, { 'content-type': 'application/json' })
            .end(JSON.stringify({ agentId: b.agentId, seq: b.seq, stored: true, accepted: b.samples.length }));
        });
    });
    await new Promise<void>((r) => server.listen(port, '127.0.0.1', () => r()));
    clock.advance(120_000);
    await t.flush();
    clock.advance(120_000);
    await t.flush();
    await t.close();
    spool.close();
    server.close();
    expect(got.map((b) => b.seq)).toEqual([3, 3, 4, 5]);
    expect(got[1]!.samples).toEqual([sample(4), sample(5)]);
    expect(t.queuedBatches).toBe(0);
    const again = new Spool(spoolOpts, clock, logger);
    expect(again.peek()).toBeUndefined(); // acknowledged batches are not resent after a restart
    expect(again.append('[]', 0)).toBe(6); // a restart continues after 5, never reusing a seq
    again.close();
  });

  it('enroll writes the agent identity with mode 0600 in a 0700 directory', async () => {
    const server = createServer((req, res) => {
      req
        .resume()
        .on('end', () =>
          res
            .writeHead(201, { 'content-type': 'application/json' })
            .end(JSON.stringify({ agentId: 'acme.h', agentToken: 'f'.repeat(64), clientId: 'acme', siteId: 'hq' })),
        );
    });
    const port = await new Promise<number>((r) => server.listen(0, '127.0.0.1', () => r((server.address() as { port: number }).port)));
    const stateDir = join(dir.path, 'enrolled');
    const s = await enroll({ collector: `http://127.0.0.1:${port}`, token: 'vet_' + 'a'.repeat(48), stateDir });
    server.close();
    expect(s.agentId).toBe('acme.h');
    expect(statSync(join(stateDir, 'agent.json')).mode & 0o777).toBe(0o600);
    expect(statSync(stateDir).mode & 0o777).toBe(0o700);
  });
});
