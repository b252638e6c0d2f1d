import { expect, it } from 'vitest';
import { LAST_ALIVE_SETTING } from '../../../collector/src/store/types.js';
import { agentRow, batch, checkRow, result, storeContract, T0, token } from './contract-kit.js';

storeContract('checks, results, transitions', (c) => {
  it('ingestBatch stores results, metrics, check state and transitions once; a replay writes nothing', async () => {
    await c.reset();
    await c.s.agents.insertEnrollmentToken(token('t'));
    await c.s.agents.enroll('t', agentRow('acme.a1'));
    const b = batch(1, [result('fw-1', T0), result('fw-1', T0 + 10_000, 'down')], {
      metrics: [
        { kind: 'metric', name: 'host_cpu_ratio', ts: T0, value: 0.5, labels: {} },
        { kind: 'metric', name: 'host_cpu_ratio', ts: T0 + 1, value: 0.7, labels: {} },
      ],
      checks: [checkRow('fw-1', { state: 'down', lastTs: T0 + 10_000, lastStatus: 'down' })],
      transitions: [{ clientId: 'acme', checkId: 'fw-1', ts: T0 + 10_000, state: 'down', detectedAt: T0 + 11_000, reason: 'timeout' }],
    });
    expect(await c.s.checks.ingestBatch(b)).toBe(true);
    expect(await c.s.checks.ingestBatch({ ...b, results: [result('fw-1', T0 + 20_000)], checks: [checkRow('fw-1', { state: 'up' })] })).toBe(false);
    expect(await c.s.checks.countResults()).toBe(2);
    expect(await c.s.checks.countResults('other')).toBe(0);
    expect((await c.s.checks.get('acme', 'fw-1'))!.state).toBe('down');
    expect(await c.s.checks.hostMetrics()).toEqual([{ agentId: 'acme.a1', name: 'host_cpu_ratio', labels: {}, ts: T0 + 1, value: 0.7 }]);
    expect(await c.s.checks.transitionsFor('acme', ['fw-1'], T0, T0 + 60_000)).toEqual([{ ts: T0 + 10_000, check: 'fw-1', state: 'down' }]);
    expect((await c.s.agents.get('acme.a1'))!.lastSeen).toBe(b.receivedAt);
    // an older host metric does not overwrite a newer one
    await c.s.checks.ingestBatch(batch(2, [], { metrics: [{ kind: 'metric', name: 'host_cpu_ratio', ts: T0 - 5, value: 0.1, labels: {} }] }));
    expect((await c.s.checks.hostMetrics(['acme.a1']))[0]!.value).toBe(0.7);
    expect(await c.s.checks.hostMetrics(['nobody'])).toEqual([]);
  });

  it('MOS results roll up into 15-minute histogram slots once per batch (a replay adds nothing); qualityFor sums a window per check', async () => {
    await c.reset();
    const slot = Math.floor(T0 / 900_000) * 900_000;
    const voice = (check: string, ts: number, mos: number) => ({ ...result(check, ts), metrics: { mos, jitter_ms: 3 } });
    const b = batch(1, [
      voice('sip-1', slot, 4.37),
      voice('sip-1', slot + 60_000, 4.3),
      voice('sip-1', slot + 120_000, 3.49),
      voice('sip-2', slot, 2),
      result('fw-1', slot),
    ]);
    expect(await c.s.checks.ingestBatch(b)).toBe(true);
    expect(await c.s.checks.ingestBatch(b)).toBe(false);
    expect(await c.s.checks.ingestBatch(batch(2, [voice('sip-1', slot + 900_000, 4.3)]))).toBe(true);
    expect(await c.s.checks.qualityFor('acme', slot, slot + 900_000)).toEqual([
      { checkId: 'sip-1', bucket: 34, n: 1 },
      { checkId: 'sip-1', bucket: 43, n: 2 },
      { checkId: 'sip-2', bucket: 20, n: 1 },
    ]);
    expect(await c.s.checks.qualityFor('acme', slot, slot + 1_800_000)).toContainEqual({ checkId: 'sip-1', bucket: 43, n: 3 });
    expect(await c.s.checks.qualityFor('beta', slot, slot + 1_800_000)).toEqual([]);
  });

  it('degraded runs: opened, closed (also one opened and closed in one batch), open ones listed; a replay writes nothing; overlap queries', async () => {
    await c.reset();
    const b1 = batch(1, [result('sip-1', T0)], { degraded: { opened: [{ checkId: 'sip-1', start: T0 }], closed: [] } });
    expect(await c.s.checks.ingestBatch(b1)).toBe(true);
    expect(await c.s.checks.ingestBatch({ ...b1, degraded: { opened: [{ checkId: 'sip-1', start: T0 + 5 }], closed: [] } })).toBe(false);
    expect(await c.s.checks.openDegradedRuns()).toEqual([{ clientId: 'acme', checkId: 'sip-1', start: T0 }]);
    const b2 = batch(2, [result('sip-1', T0 + 60_000)], {
      degraded: {
        opened: [],
        closed: [
          { checkId: 'sip-1', start: T0, end: T0 + 60_000 },
          { checkId: 'sip-2', start: T0 + 10_000, end: T0 + 20_000 },
        ],
      },
    });
    expect(await c.s.checks.ingestBatch(b2)).toBe(true);
    expect(await c.s.checks.openDegradedRuns()).toEqual([]);
    expect(await c.s.checks.ingestBatch(batch(3, [], { degraded: { opened: [{ checkId: 'sip-1', start: T0 + 90_000 }], closed: [] } }))).toBe(true);
    expect(await c.s.checks.degradedRunsFor('acme', ['sip-1', 'sip-2'], T0 + 15_000, T0 + 100_000)).toEqual([
      { check: 'sip-1', start: T0, end: T0 + 60_000 },
      { check: 'sip-2', start: T0 + 10_000, end: T0 + 20_000 },
      { check: 'sip-1', start: T0 + 90_000, end: null },
    ]);
    expect(await c.s.checks.degradedRunsFor('acme', ['sip-1'], T0 + 60_000, T0 + 90_000)).toEqual([]); // half-open on both sides
    expect(await c.s.checks.degradedRunsFor('beta', ['sip-1'], 0, T0 + 100_000)).toEqual([]);
  });

  it('pruneBatches drops the records of batches received before the cut; a pruned (agentId, seq) is new again', async () => {
    await c.reset();
    for (const seq of [1, 2, 3]) expect(await c.s.checks.ingestBatch(batch(seq, []))).toBe(true); // received at T0 + seq
    expect(await c.s.checks.pruneBatches(T0 + 3)).toBe(2);
    expect(await c.s.checks.ingestBatch(batch(3, []))).toBe(false);
    expect(await c.s.checks.ingestBatch(batch(1, []))).toBe(true);
  });

  it('concurrent replays of one (agentId, seq) from two connections store it exactly once', async () => {
    await c.reset();
    const other = await c.fresh.open();
    const results = Array.from({ length: 50 }, (_, i) => result(`c-${i % 5}`, T0 + i));
    for (let seq = 1; seq <= 20; seq++) {
      const outcomes = await Promise.all([c.s.checks.ingestBatch(batch(seq, results)), other.checks.ingestBatch(batch(seq, results))]);
      expect(outcomes.filter(Boolean)).toHaveLength(1);
    }
    expect(await c.s.checks.countResults()).toBe(20 * 50);
  });

  it('describe keeps a check state and replaces its descriptor; list is scoped; saveStates writes states and transitions together', async () => {
    await c.reset();
    await c.s.checks.saveStates([checkRow('fw-1', { state: 'down' }), checkRow('b-1', { clientId: 'beta' })], []);
    await c.s.checks.describe({ id: 'acme.a2', clientId: 'acme', siteId: 'branch' }, [
      { id: 'fw-1', type: 'icmp', intervalSeconds: 30, timeoutSeconds: 2, target: '10.0.0.9', labels: { service: 'wan' } },
      { id: 'new-1', type: 'http', intervalSeconds: 60, timeoutSeconds: 5 },
    ]);
    expect(await c.s.checks.get('acme', 'fw-1')).toMatchObject({
      state: 'down',
      agentId: 'acme.a2',
      siteId: 'branch',
      type: 'icmp',
      target: '10.0.0.9',
      labels: { service: 'wan' },
      intervalMs: 30_000,
      timeoutMs: 2000,
    });
    expect(await c.s.checks.get('acme', 'new-1')).toMatchObject({ state: 'unknown', runCount: 0, lastTs: null, lastMetrics: {} });
    expect((await c.s.checks.list(['acme'])).map((c) => c.checkId)).toEqual(['fw-1', 'new-1']);
    expect((await c.s.checks.list()).map((c) => `${c.clientId}/${c.checkId}`)).toEqual(['acme/fw-1', 'acme/new-1', 'beta/b-1']);
    expect(await c.s.checks.list([])).toEqual([]);
    expect(await c.s.checks.get('acme', 'b-1')).toBeUndefined();
    expect((await c.s.checks.ofAgent('acme.a2')).map((c) => c.checkId)).toEqual(['fw-1', 'new-1']);
    expect((await c.s.checks.ofAgent('acme.a1')).map((c) => `${c.clientId}/${c.checkId}`)).toEqual(['beta/b-1']);
    expect(await c.s.checks.ofAgent('nobody')).toEqual([]);
  });

  it('transitionsFor: the last one before the window, those inside by ts then insertion order, none at or after `to`', async () => {
    await c.reset();
    const tr = (checkId: string, ts: number, state: 'up' | 'down' | 'unknown') => ({ clientId: 'acme', checkId, ts, state, detectedAt: ts, reason: null });
    await c.s.checks.saveStates([], [tr('a', T0 - 5000, 'up'), tr('a', T0 - 1000, 'down'), tr('b', T0 + 100, 'down')]);
    await c.s.checks.saveStates(
      [],
      [tr('a', T0 + 100, 'up'), tr('a', T0 + 100, 'unknown'), tr('a', T0 + 900, 'down'), tr('a', T0 + 1000, 'up'), tr('c', T0, 'down')],
    );
    expect(await c.s.checks.transitionsFor('acme', ['a', 'b'], T0, T0 + 1000)).toEqual([
      { ts: T0 - 1000, check: 'a', state: 'down' },
      { ts: T0 + 100, check: 'a', state: 'up' },
      { ts: T0 + 100, check: 'a', state: 'unknown' },
      { ts: T0 + 100, check: 'b', state: 'down' },
      { ts: T0 + 900, check: 'a', state: 'down' },
    ]);
    expect(await c.s.checks.transitionsFor('acme', [], T0, T0 + 1000)).toEqual([]);
    expect(await c.s.checks.transitionsFor('other', ['a'], T0, T0 + 1000)).toEqual([]);
  });

  it('a check keeps its latency ring; counts; pruning drops results older than the cut, in arrival order', async () => {
    await c.reset();
    await c.s.checks.saveStates([checkRow('fw-1', { recentDurationsMs: [3, 1, 2] })], []);
    expect((await c.s.checks.get('acme', 'fw-1'))!.recentDurationsMs).toEqual([3, 1, 2]);
    await c.s.checks.saveStates([checkRow('fw-1', { recentDurationsMs: [] })], []);
    expect((await c.s.checks.get('acme', 'fw-1'))!.recentDurationsMs).toEqual([]);
    for (let seq = 1; seq <= 4; seq++)
      await c.s.checks.ingestBatch(
        batch(
          seq,
          [1, 2, 3].map((i) => result(`c-${i}`, T0 + seq * 10_000 + i)),
        ),
      );
    // a batch of 300 results goes in as more than one multi-row statement
    await c.s.checks.ingestBatch(
      batch(
        5,
        Array.from({ length: 300 }, (_, i) => result(`big-${i % 7}`, T0 + 60_000 + i)),
      ),
    );
    expect(await c.s.checks.countResults('acme')).toBe(312);
    expect(await c.s.checks.pruneResults(T0 + 25_000)).toBe(6);
    expect(await c.s.checks.countResults()).toBe(306);
    expect(await c.s.checks.pruneResults(T0)).toBe(0);
    expect(await c.s.checks.pruneResults(T0 + 10 * 60_000)).toBe(306);
    expect(await c.s.checks.pruneResults(T0 + 10 * 60_000)).toBe(0);
  });

  it('batches sent together are committed together: each answered for itself, a copy in the same group is a replay, a bad one fails alone', async () => {
    await c.reset();
    const ok = (seq: number) => batch(seq, [result(`g-${seq}`, T0 + seq)], { checks: [checkRow(`g-${seq}`)] });
    const bad = batch(3, [result('g-3', T0)], { checks: [checkRow('g-3', { state: null as never })] });
    const outcomes = await Promise.allSettled([
      c.s.checks.ingestBatch(ok(1)),
      c.s.checks.ingestBatch(ok(2)),
      c.s.checks.ingestBatch(ok(2)),
      c.s.checks.ingestBatch(bad),
      c.s.checks.ingestBatch(ok(4)),
    ]);
    expect(outcomes.map((o) => (o.status === 'fulfilled' ? o.value : 'rejected'))).toEqual([true, true, false, 'rejected', true]);
    expect(await c.s.checks.countResults()).toBe(3);
    expect((await c.s.checks.list()).map((c) => c.checkId)).toEqual(['g-1', 'g-2', 'g-4']);
  });

  it('ingestBatch retracts inferred transitions at or after `from` in its transaction: measured ones stay, a replay retracts nothing', async () => {
    await c.reset();
    const tr = (checkId: string, ts: number, state: 'up' | 'down' | 'unknown', reason: string | null = null) => ({
      clientId: 'acme',
      checkId,
      ts,
      state,
      detectedAt: ts,
      reason,
    });
    const history = async (id: string) => (await c.s.checks.transitionsFor('acme', [id], 0, T0 + 10_000)).map((t) => `${t.ts - T0}:${t.state}`);
    await c.s.checks.saveStates(
      [],
      [
        tr('a', T0, 'up'),
        tr('a', T0 + 100, 'unknown', 'stale'),
        tr('b', T0, 'up'),
        tr('b', T0 + 50, 'unknown', 'stale'),
        tr('b', T0 + 60, 'up'),
        tr('b', T0 + 100, 'unknown', 'agent-unreachable'),
        tr('b', T0 + 150, 'down', 'timeout'),
        tr('c', T0 + 100, 'unknown', 'stale'),
      ],
    );
    // the batch re-infers a's unknown at the same ts: the retraction runs before the batch's own transitions go in
    const b1 = batch(1, [result('a', T0 + 300)], {
      transitions: [tr('a', T0 + 100, 'unknown', 'stale'), tr('a', T0 + 300, 'up')],
      retractInferred: [
        { checkId: 'a', from: T0 + 100 },
        { checkId: 'b', from: T0 + 100 },
      ],
    });
    expect(await c.s.checks.ingestBatch(b1)).toBe(true);
    expect(await history('a')).toEqual(['0:up', '100:unknown', '300:up']);
    expect(await history('b')).toEqual(['0:up', '50:unknown', '60:up', '150:down']); // before `from`, and measured: kept
    expect(await history('c')).toEqual(['100:unknown']);
    // in one group: a replay of batch 1 (retracting everything of a) and a new batch retracting c's
    await c.s.checks.saveStates([], [tr('a', T0 + 400, 'unknown', 'stale')]);
    const outcomes = await Promise.all([
      c.s.checks.ingestBatch({ ...b1, retractInferred: [{ checkId: 'a', from: 0 }] }),
      c.s.checks.ingestBatch(batch(2, [result('c', T0 + 200)], { retractInferred: [{ checkId: 'c', from: T0 }] })),
    ]);
    expect(outcomes).toEqual([false, true]);
    expect(await history('a')).toEqual(['0:up', '100:unknown', '300:up', '400:unknown']);
    expect(await history('c')).toEqual([]);
  });

  it('markAlive records the last-alive time forward only, readable as a setting', async () => {
    await c.reset();
    expect(await c.s.settings.get(LAST_ALIVE_SETTING)).toBeUndefined();
    await c.s.checks.markAlive(T0 + 5000);
    await c.s.checks.markAlive(T0 + 1000);
    expect(await c.s.settings.get(LAST_ALIVE_SETTING)).toBe(String(T0 + 5000));
    await c.s.checks.markAlive(T0 + 9000);
    expect(await c.s.settings.get(LAST_ALIVE_SETTING)).toBe(String(T0 + 9000));
  });

  it('a statement failing mid-batch leaves nothing of the batch, so its retry is stored whole', async () => {
    await c.reset();
    const bad = batch(7, [result('fw-1', T0), result('fw-2', T0)], { checks: [checkRow('fw-1'), checkRow('fw-2', { state: null as never })] });
    await expect(c.s.checks.ingestBatch(bad)).rejects.toThrow();
    expect(await c.s.checks.countResults()).toBe(0);
    expect(await c.s.checks.get('acme', 'fw-1')).toBeUndefined();
    expect(await c.s.checks.ingestBatch({ ...bad, checks: [checkRow('fw-1'), checkRow('fw-2')] })).toBe(true);
    expect(await c.s.checks.countResults()).toBe(2);
  });

  if (c.name === 'postgres')
    it('a connection lost mid-transaction leaves nothing half-written and surfaces VIGIL_ERR_STORE_UNAVAILABLE; the store recovers', async () => {
      await c.reset();
      const err = await c.s
        .transaction(async (tx) => {
          await tx.incidents.open({
            client: 'acme',
            service: 'x',
            kind: 'service-down',
            priority: 'p1',
            startedAt: T0,
            detectedAt: T0,
            members: [],
            muted: false,
          });
          await c.fresh.cut!(c.s);
          await tx.settings.putIfAbsent('after-cut', 'x');
        })
        .catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'VIGIL_ERR_STORE_UNAVAILABLE', statusCode: 503 });
      expect(String((err as Error).message)).toMatch(/PostgreSQL at postgres:\/\/vigil@127\.0\.0\.1:\d+\//);
      // the pool makes a new connection: nothing of the cut transaction is there
      expect(await c.s.incidents.list()).toEqual([]);
      expect(await c.s.settings.get('after-cut')).toBeUndefined();
      // a batch that fails mid-way is not half stored either
      await c.fresh.cut!(c.s);
      expect(await c.s.checks.ingestBatch(batch(1, [result('fw-1', T0)]))).toBe(true);
      expect(await c.s.checks.countResults()).toBe(1);
    });
});
