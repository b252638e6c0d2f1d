import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SampleBatch } from '../../../shared/protocol/v1/batch.js';
import { Heartbeat } from '../../../shared/protocol/v1/heartbeat.js';
import { validator } from '../../../shared/validate.js';
import { writeState } from '../../../agent/src/state.js';
import { freePort, startChild, tempDir, waitFor, type Child } from '../../helpers/net.js';

/**
 * A real agent process, a fake collector that is down (connection refused) for a while, the agent
 * kill -9'd mid-outage and started again, then the collector up: every batch sealed before the kill
 * arrives once, in seq order, with the results it held.
 */
const dir = tempDir();
const checkBatch = validator(SampleBatch);
const checkHeartbeat = validator(Heartbeat);
type Batch = { seq: number; samples: Array<{ checkId: string; ts: number }> };

/** The fake collector (the enroll-free endpoints): records every batch and heartbeat, answers like the real one. */
function fakeCollector() {
  const batches: Batch[] = [];
  const heartbeats: Heartbeat[] = [];
  const invalid: string[] = [];
  const stored = new Set<number>();
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      const v = JSON.parse(body);
      if (req.url === '/api/v1/heartbeat') {
        if (!checkHeartbeat.check(v)) invalid.push(`heartbeat: ${JSON.stringify(checkHeartbeat.problems(v))}`);
        heartbeats.push(v);
        return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ serverTime: Date.now() }));
      }
      if (!checkBatch.check(v)) invalid.push(`batch: ${JSON.stringify(checkBatch.problems(v))}`);
      batches.push(v);
      const fresh = !stored.has(v.seq);
      stored.add(v.seq);
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ agentId: v.agentId, seq: v.seq, stored: fresh, accepted: fresh ? v.samples.length : 0 }));
    });
  });
  return { server, batches, heartbeats, invalid };
}

/** The agent's JSON log lines (a line cut by kill -9 is left out). */
function logLines(lines: string[]): Array<Record<string, unknown>> {
  const out: Array<Record<string, unknown>> = [];
  for (const l of lines)
    try {
      out.push(JSON.parse(l));
    } catch {
      // cut by kill -9, or not a log line
    }
  return out;
}

/** The seqs the agent logged as sealed (its own account, written before the batch counts as taken). */
const sealedSeqs = (lines: string[]) => logLines(lines).flatMap((j) => (j.msg === 'batch sealed into the spool' ? [j.seq as number] : []));

/** The batches in the spool files, read by the documented on-disk format (independently of the agent's reader). */
function onDisk(spoolDir: string): Map<number, Batch> {
  const out = new Map<number, Batch>();
  for (const f of readdirSync(spoolDir).filter((n) => n.endsWith('.seg'))) {
    const b = readFileSync(join(spoolDir, f));
    for (let at = 8; at + 32 <= b.length; at += 32 + b.readUInt32LE(at + 4)) {
      const len = b.readUInt32LE(at + 4);
      if (at + 32 + len > b.length) break;
      const batch = JSON.parse(b.subarray(at + 32, at + 32 + len).toString('utf8')) as Batch;
      out.set(batch.seq, batch);
    }
  }
  return out;
}

describe('agent spool with a real agent process: kill -9 during a collector outage loses nothing', () => {
  let target: Server;
  let collector: ReturnType<typeof fakeCollector>;
  let agent: Child | undefined;
  let cfg = '';
  let port = 0;
  const start = () => {
    const lines: string[] = [];
    const child = startChild('node', ['--import', 'tsx', 'agent/src/bin.ts', 'run', '-c', cfg], process.cwd());
    let rest = '';
    child.proc.stdout!.on('data', (d) => {
      const parts = (rest + d).split('\n');
      rest = parts.pop()!;
      lines.push(...parts);
    });
    return { child, lines };
  };

  beforeAll(async () => {
    target = createServer((_req, res) => res.end('ok'));
    await new Promise<void>((r) => target.listen(0, '127.0.0.1', () => r()));
    const targetPort = (target.address() as { port: number }).port;
    port = await freePort();
    collector = fakeCollector();
    const stateDir = join(dir.path, 'state');
    writeState(stateDir, {
      agentId: 'acme.spool',
      agentToken: 'x'.repeat(64),
      clientId: 'acme',
      siteId: 'hq',
      collectorUrl: `http://127.0.0.1:${port}`,
      lastSeq: 0,
    });
    cfg = join(dir.path, 'agent.yaml');
    writeFileSync(
      cfg,
      [
        `collector: { url: "http://127.0.0.1:${port}" }`,
        `stateDir: ${stateDir}`,
        'send: { flushInterval: 200ms }',
        'heartbeat: { interval: 1s }',
        'schedule: { slot: 0 }',
        'host: { enabled: false }',
        'memory: { trim: false }',
        'log: { level: debug }',
        'spool: { fsync: 1s, replayRate: 20 }',
        'checks:',
        `  - { id: web-1, type: http, interval: 200ms, timeout: 150ms, url: "http://127.0.0.1:${targetPort}/" }`,
        `  - { id: web-2, type: http, interval: 300ms, timeout: 150ms, url: "http://127.0.0.1:${targetPort}/b" }`,
      ].join('\n'),
    );
  });
  afterAll(async () => {
    await agent?.stop();
    collector.server.close();
    target.close();
    dir.remove();
  });

  it('every seq sealed before the kill arrives exactly once, in seq order, with its results; seqs are not reused after the restart', async () => {
    const first = start();
    agent = first.child;
    await waitFor(() => sealedSeqs(first.lines).length >= 10 || undefined, '10 batches sealed while the collector is down', 30_000).catch((e) => {
      throw new Error(`${e.message}\n${first.child.output()}`);
    });
    first.child.proc.kill('SIGKILL');
    await new Promise((r) => first.child.proc.once('exit', r));
    const sealedBefore = sealedSeqs(first.lines);
    const spooled = onDisk(join(dir.path, 'state', 'spool'));
    for (const seq of sealedBefore) expect(spooled.has(seq), `seq ${seq} is in the spool files`).toBe(true);
    expect(collector.batches).toHaveLength(0);

    const second = start();
    agent = second.child;
    await waitFor(() => sealedSeqs(second.lines).length >= 3 || undefined, 'the restarted agent sealing while the collector is still down', 30_000);
    await new Promise<void>((r) => collector.server.listen(port, '127.0.0.1', () => r()));
    const wanted = [...spooled.keys(), ...sealedSeqs(second.lines).slice(0, 3)];
    await waitFor(() => wanted.every((s) => collector.batches.some((b) => b.seq === s)) || undefined, 'every spooled batch at the collector', 30_000).catch(
      (e) => {
        throw new Error(`${e.message}\n${second.child.output()}`);
      },
    );
    // the spool may drain within a heartbeat interval (the retry is jittered): wait for one that reached the collector
    await waitFor(() => collector.heartbeats.some((h) => h.spool) || undefined, 'a heartbeat with spool figures', 30_000);
    await second.child.stop();
    agent = undefined;

    const got = collector.batches.map((b) => b.seq);
    expect(collector.invalid).toEqual([]);
    expect(new Set(got).size, 'no seq twice').toBe(got.length);
    expect(
      [...got].sort((a, b) => a - b),
      'in seq order',
    ).toEqual(got);
    for (const seq of sealedBefore) expect(got).toContain(seq);
    // by result: each (check, timestamp) spooled before the kill arrived, once, in the batch it was spooled in
    const arrived = collector.batches.flatMap((b) => b.samples.map((s) => `${s.checkId}@${s.ts}`));
    expect(new Set(arrived).size, 'no result twice').toBe(arrived.length);
    for (const [seq, b] of spooled) expect(collector.batches.find((x) => x.seq === seq)!.samples).toEqual(b.samples);
    expect(Math.min(...sealedSeqs(second.lines))).toBeGreaterThan(Math.max(...spooled.keys()));
    const recovered = logLines(second.lines).find((j) => /batches from before the restart/.test(String(j.msg)));
    expect(recovered?.batches).toBe(spooled.size); // the restarted agent found every one of them
    const withSpool = collector.heartbeats.filter((h) => h.spool);
    expect(withSpool.length).toBeGreaterThan(0);
    expect(withSpool.every((h) => h.spool!.droppedBatches === 0 && h.spool!.corruptRecords === 0)).toBe(true);
  });
});
