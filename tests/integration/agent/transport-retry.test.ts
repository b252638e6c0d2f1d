import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../shared/clock.js';
import { Spool } from '../../../shared/spool/spool.js';
import type { AgentState } from '../../../agent/src/state.js';
import { Transport, type TransportOptions } from '../../../agent/src/transport.js';
import { freePort, tempDir } from '../../helpers/net.js';
import { result, scriptedCollector, status, store } from './scripted-collector.js';

const dir = tempDir();
afterAll(() => dir.remove());
const T0 = Date.UTC(2026, 2, 1, 12, 0, 0);

const identity = (port: number): AgentState => ({
  agentId: 'acme.retry',
  agentToken: 'r'.repeat(64),
  clientId: 'acme',
  siteId: 'hq',
  collectorUrl: `http://127.0.0.1:${port}`,
  lastSeq: 0,
});

function agent(name: string, port: number, clock: ManualClock, opts: Partial<TransportOptions> = {}) {
  const lines: Array<{ level: number; msg: string }> = [];
  const logger = pino({ level: 'debug' }, { write: (s: string) => void lines.push(JSON.parse(s)) });
  const spool = new Spool({ dir: join(dir.path, name), fsync: 1000, maxBytes: 8 << 20, maxAgeMs: 86_400_000 }, clock, logger);
  const t = new Transport(identity(port), spool, clock, logger, {
    batchMaxSamples: 2,
    replayRate: 100,
    random: () => 0.5,
    retry: { baseMs: 1000, capMs: 8000 },
    ...opts,
  });
  const done = async () => {
    await t.close();
    spool.close();
  };
  return { lines, t, done, warnings: () => lines.filter((l) => l.level >= 40).map((l) => l.msg) };
}

describe('agent transport: retries', () => {
  it('network errors and 5xx: the same seq and content again after full-jitter backoff, doubled per failure up to the cap, reset by a success', async () => {
    const port = await freePort();
    const clock = new ManualClock(T0);
    const c = scriptedCollector(clock);
    const { t, done, warnings } = agent('backoff', port, clock);
    t.add(result(1));
    t.add(result(2)); // one batch, seq 1
    await t.flush(); // nothing listens yet: ECONNREFUSED
    const delays = [t.retryAt - clock.now()];
    await c.listen(port);
    let failing = 5;
    c.ingest = () => (failing-- > 0 ? status(failing % 2 ? 500 : 502) : store);
    for (let i = 0; i < 6; i++) {
      await t.flush(); // before retryAt: nothing is sent
      expect(c.batches().length).toBe(i);
      clock.set(t.retryAt);
      await t.flush();
      expect(c.batches().length).toBe(i + 1);
      if (t.queuedBatches > 0) delays.push(t.retryAt - clock.now());
    }
    // random() = 0.5 of min(cap 8 s, 1 s · 2^(n−1)) for n = 1 … 6 consecutive failures
    expect(delays).toEqual([500, 1000, 2000, 4000, 4000, 4000]);
    expect(c.batches().every((b) => b.body.seq === 1)).toBe(true);
    expect(c.violations).toEqual([]);
    expect(c.timesStored(result(1))).toBe(1);
    expect(c.timesStored(result(2))).toBe(1);
    expect(warnings().filter((w) => /collector unreachable/.test(w)).length).toBe(6);

    c.ingest = () => status(503); // 503 without Retry-After: backoff, from the start again
    t.add(result(3));
    t.add(result(4));
    await t.flush();
    expect(t.retryAt - clock.now()).toBe(500);
    await done();
    await c.close();
  });

  it('429 and 503 with Retry-After: nothing is sent before the time it names (seconds or an HTTP date, bounded to 5 min), then the same seq', async () => {
    const clock = new ManualClock(T0);
    const c = scriptedCollector(clock);
    const { t, done, warnings } = agent('retry-after', await c.listen(), clock);
    const answers = [
      status(503, { 'retry-after': '7' }),
      status(429, { 'retry-after': new Date(T0 + 7000 + 30_000).toUTCString() }),
      status(429, { 'retry-after': '86400' }),
      status(429, { 'retry-after': 'soon' }), // unreadable: backoff
      store,
    ];
    c.ingest = () => answers.shift()!;
    t.add(result(10));
    t.add(result(11));
    const waits: number[] = [];
    for (let i = 0; i < 5; i++) {
      if (i > 0) {
        clock.set(t.retryAt - 1);
        await t.flush();
        expect(c.batches().length).toBe(i); // one millisecond early: nothing
        clock.set(t.retryAt);
      }
      await t.flush();
      expect(c.batches().length).toBe(i + 1);
      if (t.queuedBatches > 0) waits.push(t.retryAt - clock.now());
    }
    // 7 s; the HTTP date 30 s on; a day bounded to 5 min; unreadable: backoff after one failure (429s are pacing, not failures)
    expect(waits).toEqual([7000, 30_000, 300_000, 500]);
    expect(c.batches().map((b) => b.body.seq)).toEqual([1, 1, 1, 1, 1]);
    expect(c.violations).toEqual([]);
    expect(c.timesStored(result(10))).toBe(1);
    expect(t.queuedBatches).toBe(0);
    // the rate limit is logged when it starts, not on every 429
    expect(warnings().filter((w) => /rate limited/.test(w)).length).toBe(1);
    await done();
    await c.close();
  });

  it('a collector that accepts the connection and never answers (or sends a head and no body): ingest and heartbeat are cut by the deadline; the batch stays and goes later', async () => {
    const clock = new ManualClock(T0);
    const c = scriptedCollector(clock);
    const { t, done } = agent('hang', await c.listen(), clock, { requestTimeoutMs: 300 });
    c.ingest = () => ({ kind: 'hang' });
    c.heartbeat = () => ({ kind: 'hang' });
    t.add(result(20));
    t.add(result(21));
    await t.flush(); // returns: the deadline cut it (without one this test times out)
    expect(c.batches().length).toBe(1);
    expect(t.queuedBatches).toBe(1);
    expect(t.retryAt).toBeGreaterThan(clock.now());
    const hb = { agentId: 'acme.retry', sentAt: T0, agentVersion: 't', uptimeSeconds: 1, queuedBatches: 1, intervalSeconds: 15, checks: [] };
    expect(await t.heartbeat(hb)).toBe(false);
    c.ingest = () => ({ kind: 'head-only' });
    clock.set(t.retryAt);
    await t.flush();
    expect(c.batches().length).toBe(2);
    expect(t.queuedBatches).toBe(1);
    c.ingest = () => store;
    c.heartbeat = () => status(200, undefined, { serverTime: T0 });
    clock.set(t.retryAt);
    await t.flush();
    expect(t.queuedBatches).toBe(0);
    expect(await t.heartbeat(hb)).toBe(true);
    expect(c.batches().map((b) => b.body.seq)).toEqual([1, 1, 1]);
    expect(c.timesStored(result(20))).toBe(1);
    await done();
    await c.close();
  });
});
