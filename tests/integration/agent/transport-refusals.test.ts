import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../shared/clock.js';
import { Spool } from '../../../shared/spool/spool.js';
import { readState, writeState, type AgentState } from '../../../agent/src/state.js';
import { Transport } from '../../../agent/src/transport.js';
import { tempDir } from '../../helpers/net.js';
import { result, scriptedCollector, status, store } from './scripted-collector.js';

const dir = tempDir();
afterAll(() => dir.remove());
const T0 = Date.UTC(2026, 2, 1, 12, 0, 0);
const hb = (agentId: string) => ({ agentId, sentAt: T0, agentVersion: 't', uptimeSeconds: 1, queuedBatches: 0, intervalSeconds: 15, checks: [] });

function enrolled(name: string, port: number, clock: ManualClock, token = 'o'.repeat(64)) {
  const stateDir = join(dir.path, name);
  const state: AgentState = {
    agentId: `acme.${name}`,
    agentToken: token,
    clientId: 'acme',
    siteId: 'hq',
    collectorUrl: `http://127.0.0.1:${port}`,
    lastSeq: 0,
  };
  writeState(stateDir, state);
  const lines: Array<{ level: number; msg: string }> = [];
  const logger = pino({ level: 'info' }, { write: (s: string) => void lines.push(JSON.parse(s)) });
  const spool = new Spool({ dir: join(stateDir, 'spool'), fsync: 1000, maxBytes: 8 << 20, maxAgeMs: 86_400_000 }, clock, logger);
  const t = new Transport(readState(stateDir), spool, clock, logger, { batchMaxSamples: 3, replayRate: 100, random: () => 0.5, stateDir });
  const stop = async () => (await t.close(), spool.close());
  return { stateDir, state, t, stop, lines, at: (level: number) => lines.filter((l) => l.level === level).map((l) => l.msg) };
}

describe('agent transport: refusals', () => {
  it('200 with `refused`: only those samples are dropped, never resent, counted and logged once per code; an all-refused batch is done too', async () => {
    const clock = new ManualClock(T0);
    const c = scriptedCollector(clock);
    const a = enrolled('refused', await c.listen(), clock);
    c.ingest = () => ({ kind: 'store', refuse: (x) => (x.ts % 3 === 0 ? 'VIGIL_ERR_SAMPLE_TIME' : x.ts >= 20 ? 'VIGIL_ERR_LIMIT' : undefined) });
    const samples = [...Array.from({ length: 9 }, (_, i) => result(i + 1)), result(21), result(22), result(23)];
    samples.forEach((x) => a.t.add(x)); // 4 batches of 3; the last is refused whole
    await a.t.flush();
    expect(a.t.queuedBatches).toBe(0);
    expect(c.batches().map((b) => b.body.seq)).toEqual([1, 2, 3, 4]); // nothing resent
    for (const x of samples) expect(c.timesStored(x)).toBe(x.ts % 3 === 0 || x.ts >= 20 ? 0 : 1);
    expect(a.t.stats.refusedSamples).toBe(6); // 3, 6, 9 and 21, 22, 23 (21 counts once, under its first code)
    const warned = a.at(40).filter((m) => /refused samples/.test(m));
    expect(warned.length).toBe(2); // one per code, not one per batch
    await a.stop();
    await c.close();
  });

  it('401/403: everything stays spooled, the fix is logged once, retried every 60 s; a new identity in agent.json is taken without a restart', async () => {
    for (const [code, answer] of [
      [401, { error: { code: 'VIGIL_ERR_TOKEN_REVOKED', message: 'revoked' } }],
      [403, { error: { code: 'VIGIL_ERR_FORBIDDEN', message: 'not yours' } }],
    ] as const) {
      const clock = new ManualClock(T0);
      const c = scriptedCollector(clock);
      const a = enrolled(`auth-${code}`, await c.listen(), clock);
      const fresh = 'n'.repeat(64);
      c.ingest = (b) => (b.auth === fresh ? store : status(code, undefined, answer));
      c.heartbeat = (h) => (h.auth === fresh ? status(200, undefined, { serverTime: T0 }) : status(code, undefined, answer));
      for (let i = 1; i <= 3; i++) a.t.add(result(i));
      await a.t.flush();
      expect(a.t.retryAt - clock.now()).toBe(60_000);
      expect(await a.t.heartbeat(hb(a.state.agentId))).toBe(false);
      for (let round = 0; round < 3; round++) {
        for (let i = 1; i <= 3; i++) a.t.add(result(100 * (round + 1) + i)); // results keep being sealed into the spool
        clock.advance(59_999);
        await a.t.flush();
        clock.advance(1);
        await a.t.flush();
      }
      expect(c.batches().length).toBe(4); // the first try and one per minute
      expect(a.t.queuedBatches).toBe(4);
      const fixes = a.at(50);
      expect(fixes.length).toBe(1);
      expect(fixes[0]).toMatch(code === 401 ? /revoked.*enroll it again/ : /refuses this token.*enroll/);
      expect(fixes[0]).toContain(a.stateDir);

      writeState(a.stateDir, { ...a.state, agentId: `acme.auth-${code}-2`, agentToken: fresh }); // `vigil agent enroll` again
      clock.advance(60_000);
      await a.t.flush();
      expect(a.t.queuedBatches).toBe(0);
      const delivered = c.batches().filter((b) => b.auth === fresh);
      expect(delivered.map((b) => b.body.seq)).toEqual([1, 2, 3, 4]);
      expect(delivered.every((b) => b.body.agentId === `acme.auth-${code}-2`)).toBe(true);
      expect(c.stored.size).toBe(12);
      expect([...c.stored.values()].every((n) => n === 1)).toBe(true);
      expect(await a.t.heartbeat(hb(`acme.auth-${code}-2`))).toBe(true);
      await a.stop();
      await c.close();
    }
  });

  it('400 (the envelope itself refused): dropped and counted, the next batch goes on; 404 (not a collector): kept, retried slowly', async () => {
    const clock = new ManualClock(T0);
    const c = scriptedCollector(clock);
    const a = enrolled('bad', await c.listen(), clock);
    c.ingest = (b) => (b.body.seq === 1 ? status(400, undefined, { error: { code: 'VIGIL_ERR_BODY_INVALID' } }) : status(404));
    for (let i = 1; i <= 6; i++) a.t.add(result(i));
    await a.t.flush();
    expect(a.t.stats).toMatchObject({ rejectedBatches: 1, rejectedSamples: 3 });
    expect(a.t.queuedBatches).toBe(1); // seq 2 waits
    expect(a.t.retryAt - clock.now()).toBe(60_000);
    c.ingest = () => store;
    clock.advance(60_000);
    await a.t.flush();
    expect(c.batches().map((b) => b.body.seq)).toEqual([1, 2, 2]);
    expect(a.t.queuedBatches).toBe(0);
    await a.stop();
    await c.close();
  });
});
