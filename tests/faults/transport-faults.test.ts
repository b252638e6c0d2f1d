import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ADMIN } from '../unit/collector/fixture.js';
import { writeState } from '../../agent/src/state.js';
import { settle } from './fault-table.js';
import { CHECKS, faultRig, INTERVAL_MS, T0, type Rig } from './rig.js';

/**
 * Transport faults end to end: the real collector behind a fault proxy on loopback, the real
 * agent spool and transport. Each case offers rounds of results, lets the fault happen, drains,
 * and closes the books against the collector's database (fault-table.ts).
 */
const rigs: Rig[] = [];
afterEach(async () => {
  for (const r of rigs.splice(0)) await r.close();
});
const rig = async (o: Parameters<typeof faultRig>[0] = {}) => {
  const r = await faultRig(o);
  rigs.push(r);
  return r;
};
const rounds = (r: Rig, n: number, from = 0) => {
  for (let i = from; i < from + n; i++) {
    r.clock.set(T0 + i * INTERVAL_MS);
    r.round(T0 + i * INTERVAL_MS);
  }
};
const gaps = (times: number[]) => times.slice(1).map((t, i) => t - times[i]!);

describe('fault suite: transport', () => {
  it('5xx backoff: the same batch again after full-jitter waits doubling per failure, stored once', async () => {
    const r = await rig();
    r.proxy.next({ kind: 'status', status: 503 }, 2);
    r.proxy.next({ kind: 'status', status: 500 }, 2);
    rounds(r, 10);
    await r.drain();
    const waits = gaps(r.proxy.ingestTimes().slice(0, 5));
    expect(waits).toEqual([500, 1000, 2000, 4000]); // random 0.5 of 1, 2, 4, 8 s
    settle('5xx backoff', r.account(), { detail: `4 answers 5xx, waits ${waits.map((w) => w / 1000).join('/')} s, then 10 batches stored` });
  });

  it('429 Retry-After: the real collector paces the agent; nothing is sent before the time it names', async () => {
    const r = await rig({ collector: { limits: { batchesPerSecond: 1, batchBurst: 2 } } });
    rounds(r, 12); // the agent does not know the limits yet (no heartbeat): it tries at its own replay rate
    await r.drain();
    const limited = r.proxy.answered(429);
    expect(limited).toBeGreaterThan(0);
    const log = r.proxy.log.filter((l) => l.path === '/api/v1/ingest');
    for (let i = 1; i < log.length; i++) if (log[i - 1]!.status === 429) expect(log[i]!.at - log[i - 1]!.at).toBeGreaterThanOrEqual(1000);
    settle('429 Retry-After', r.account(), { detail: `${limited} answers 429 from limits.batchesPerSecond 1, each waited out` });
  });

  it('413 split: a batch over the collector’s limit is resent in parts under new seqs, every sample stored once', async () => {
    const r = await rig({ collector: { limits: { maxSamplesPerBatch: 8 } } });
    for (let i = 0; i < 20; i++)
      for (const checkId of CHECKS) r.add({ kind: 'check', checkId, type: 'tcp', ts: T0 + i * INTERVAL_MS, status: 'up', durationMs: 1 });
    r.agent.transport.seal(); // one batch of 60, spooled before the agent learnt the limit
    r.clock.set(T0 + 20 * INTERVAL_MS);
    await r.drain();
    const splits = r.agent.transport.stats.splitBatches;
    expect(r.proxy.answered(413)).toBeGreaterThan(0);
    settle('413 split', r.account(), {
      detail: `1 spooled batch of 60 > maxSamplesPerBatch 8: ${r.proxy.answered(413)} answers 413, resent in parts (${splits} split logged)`,
    });
  });

  it('partial acceptance: the collector stores the valid samples and names the refused; the agent drops only those, counted', async () => {
    const r = await rig();
    rounds(r, 6);
    for (const [i, key] of ['Bad Key', 'x'.repeat(200)].entries())
      r.add({ kind: 'check', checkId: 'fw-1', type: 'tcp', ts: T0 + 6 * INTERVAL_MS + i, status: 'up', durationMs: 1, metrics: { [key]: 1 } });
    r.agent.transport.seal();
    await r.drain();
    const refused = r.agent.transport.stats.refusedSamples;
    expect(refused).toBe(2);
    settle('partial acceptance', r.account(), {
      explained: refused,
      counter: 'refusedSamples',
      detail: '2 samples with bad metric keys refused by code, the rest of the batch stored',
    });
  });

  it('401 revoked: the agent keeps spooling and retries slowly; re-enrolled, it delivers the backlog under its new identity', async () => {
    const r = await rig();
    rounds(r, 3);
    await r.drain();
    const admin = { authorization: `Bearer ${ADMIN}` };
    expect((await r.f.app.inject({ method: 'DELETE', url: `/api/v1/admin/agents/${r.agent.state.agentId}`, headers: admin })).statusCode).toBe(200);
    rounds(r, 5, 3);
    await r.agent.transport.flush();
    expect(r.proxy.answered(401)).toBe(1);
    expect(r.agent.transport.queuedBatches).toBe(5);
    expect(r.agent.transport.retryAt - r.clock.now()).toBe(60_000);
    expect(r.logged(/revoked|re-enroll/i).length).toBeGreaterThan(0);
    const again = await r.f.enroll('site-a-again');
    writeState(r.stateDir, { ...r.agent.state, agentId: again.agentId, agentToken: again.token });
    r.clock.advance(60_000);
    await r.drain();
    settle('401 revoked', r.account(), { detail: '5 batches spooled while revoked, 1 attempt per 60 s, delivered after re-enrollment' });
  });

  it('hanging collector: a request accepted and never answered is cut by the deadline; the batch goes again', async () => {
    const r = await rig({ transport: { requestTimeoutMs: 300 } });
    r.proxy.next({ kind: 'hang' }, 2);
    rounds(r, 4);
    await r.drain();
    expect(r.proxy.faulted('hang')).toBe(2);
    settle('hanging collector', r.account(), { detail: '2 requests held open, each cut at the 300 ms deadline, then 4 batches stored' });
  });

  it('replay stored once: answers lost after the collector stored, and a crash that lost the ack cursor, resend what it has', async () => {
    const r = await rig();
    r.proxy.next({ kind: 'lose-answer' }, 3);
    rounds(r, 8);
    await r.drain();
    expect(r.proxy.faulted('lose-answer')).toBe(3);
    expect(r.agent.transport.resentBatches).toBe(1); // the same batch, its answer cut three times: stored at the first
    rounds(r, 4, 8);
    const cursor = join(r.spoolOptions.dir, 'cursor.json');
    const before = readFileSync(cursor, 'utf8');
    await r.drain();
    await r.restartAgent('crash', () => writeFileSync(cursor, before)); // a power loss took the newest cursor.json (its rename was not on disk)
    await r.drain();
    const afterCrash = r.agent.transport.resentBatches;
    expect(afterCrash).toBeGreaterThan(0);
    settle('replay stored once', r.account(), {
      detail: `1 batch whose answer was cut 3 times after storing, ${afterCrash} resent after a power loss took the ack cursor; all stored once`,
    });
  });
});
