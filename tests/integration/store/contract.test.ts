import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CheckResultSample } from '../../../shared/protocol/v1/batch.js';
import { ServiceTracker } from '../../../collector/src/engine/service-tracker.js';
import { StateMachine } from '../../../collector/src/engine/state-machine.js';
import { slaReportFor } from '../../../collector/src/sla-query.js';
import { type BatchWrite, type CheckRow, LAST_ALIVE_SETTING, NO_AGENT, type NewAgent, type Store } from '../../../collector/src/store/types.js';
import { ManualClock } from '../../../shared/clock.js';
import { silentLogger } from '../../../shared/logger.js';
import { parseDefinition } from '../../../shared/sla/definition.js';
import { CHECKS, HEARTBEAT_MS, INTERVAL_MS, type LateScenario, play, type SiteDriver, STRICT_DEF, type Status } from '../../unit/collector/late-scenario.js';
import { postgresEngine, sqliteEngine, type Engine } from './engines.js';

/**
 * The Store contract, one suite over every engine (Gatus' storage tests, but async and
 * with real concurrency): SQLite in a temp dir, and a real PostgreSQL started for the file.
 */
const T0 = Date.parse('2026-10-05T10:00:00Z');
const agentRow = (id: string, client = 'acme', site = 'hq'): NewAgent => ({
  id,
  clientId: client,
  siteId: site,
  hostname: `${id}.example`,
  createdAt: T0,
  revokedAt: null,
  lastSeen: null,
  heartbeatIntervalMs: null,
  reachable: true,
  tokenHash: `hash-${id}`,
});
const token = (id: string, over: Partial<{ maxUses: number | null; expiresAt: number; client: string }> = {}) => ({
  id,
  tokenHash: `th-${id}`,
  clientId: over.client ?? 'acme',
  siteId: 'hq',
  createdAt: T0,
  expiresAt: over.expiresAt ?? T0 + 86_400_000,
  maxUses: over.maxUses === undefined ? null : over.maxUses,
  uses: 0,
  revokedAt: null,
  note: null,
});
const result = (checkId: string, ts: number, status: 'up' | 'down' = 'up', durationMs = 5): CheckResultSample => ({
  kind: 'check',
  checkId,
  type: 'tcp',
  ts,
  status,
  durationMs,
  metrics: { connect_seconds: durationMs / 1000 },
  labels: { service: 'network' },
});
const checkRow = (checkId: string, over: Partial<CheckRow> = {}): CheckRow => ({
  clientId: 'acme',
  checkId,
  agentId: 'acme.a1',
  siteId: 'hq',
  type: 'tcp',
  target: '10.0.0.1:22',
  labels: { service: 'network' },
  intervalMs: 10_000,
  timeoutMs: 1000,
  lastTs: T0,
  lastStatus: 'up',
  lastDurationMs: 5,
  lastMetrics: { connect_seconds: 0.005 },
  state: 'up',
  stateSince: T0,
  runStatus: null,
  runCount: 0,
  runStart: null,
  recentDurationsMs: [],
  ...over,
});
const batch = (seq: number, results: CheckResultSample[], over: Partial<BatchWrite> = {}): BatchWrite => ({
  agent: { id: 'acme.a1', clientId: 'acme', siteId: 'hq' },
  seq,
  receivedAt: T0 + seq,
  results,
  metrics: [],
  checks: [],
  transitions: [],
  ...over,
});

const engines: Array<[string, () => Engine]> = [
  ['sqlite', sqliteEngine],
  ['postgres', postgresEngine],
];

describe.each(engines)('Store contract on %s', (_name, make) => {
  const engine = make();
  let fresh: Awaited<ReturnType<Engine['fresh']>>;
  let s: Store;
  beforeAll(async () => {
    fresh = await engine.fresh();
  }, 120_000);
  afterAll(() => engine.close());
  const reset = async () => {
    fresh = await engine.fresh();
    s = fresh.store;
  };

  it('migrates once: opening again applies nothing and keeps the data', async () => {
    await reset();
    await s.settings.putIfAbsent('k', 'v');
    expect(await s.migrate()).toMatchObject({ applied: [] });
    const again = await fresh.open();
    expect((await again.migrate()).applied).toEqual([]);
    expect(await again.settings.get('k')).toBe('v');
  });

  it('enrollment tokens: insert, find by hash, list, revoke once', async () => {
    await reset();
    await s.agents.insertEnrollmentToken(token('t1'));
    await s.agents.insertEnrollmentToken({ ...token('t2'), createdAt: T0 + 1 });
    expect(await s.agents.findEnrollmentTokenByHash('th-t1')).toEqual(token('t1'));
    expect(await s.agents.findEnrollmentTokenByHash('nope')).toBeUndefined();
    expect((await s.agents.listEnrollmentTokens()).map((t) => t.id)).toEqual(['t1', 't2']);
    expect(await s.agents.revokeEnrollmentToken('t1', T0 + 5)).toBe(true);
    expect(await s.agents.revokeEnrollmentToken('t1', T0 + 6)).toBe(false);
    expect((await s.agents.findEnrollmentTokenByHash('th-t1'))!.revokedAt).toBe(T0 + 5);
  });

  it('enroll uses a token atomically: max uses hold under concurrent enrollments from two connections; revoked and expired tokens enroll nobody', async () => {
    await reset();
    const other = await fresh.open();
    await s.agents.insertEnrollmentToken(token('once', { maxUses: 1 }));
    const outcomes = await Promise.all([s.agents.enroll('once', agentRow('acme.x')), other.agents.enroll('once', agentRow('acme.y'))]);
    expect(outcomes.filter(Boolean)).toHaveLength(1);
    expect((await s.agents.list()).map((a) => a.id)).toHaveLength(1);
    expect((await s.agents.findEnrollmentTokenByHash('th-once'))!.uses).toBe(1);
    await s.agents.insertEnrollmentToken(token('old', { expiresAt: T0 - 1 }));
    expect(await s.agents.enroll('old', agentRow('acme.z'))).toBe(false);
    await s.agents.insertEnrollmentToken(token('rev'));
    await s.agents.revokeEnrollmentToken('rev', T0);
    expect(await s.agents.enroll('rev', agentRow('acme.w'))).toBe(false);
    expect(await s.agents.get('acme.z')).toBeUndefined();
  });

  it('agents: find by token hash, scoped list, touch only forward, reachability, revoke once', async () => {
    await reset();
    await s.agents.insertEnrollmentToken(token('t', { maxUses: null }));
    await s.agents.enroll('t', agentRow('acme.a1'));
    await s.agents.enroll('t', agentRow('beta.b1', 'beta'));
    expect((await s.agents.findByTokenHash('hash-acme.a1'))!.id).toBe('acme.a1');
    expect((await s.agents.list(['beta'])).map((a) => a.id)).toEqual(['beta.b1']);
    expect(await s.agents.list([])).toEqual([]);
    await s.agents.touch('acme.a1', T0 + 2000, 15_000);
    await s.agents.touch('acme.a1', T0 + 1000);
    expect(await s.agents.get('acme.a1')).toMatchObject({ lastSeen: T0 + 2000, heartbeatIntervalMs: 15_000, reachable: true });
    await s.agents.setReachable('acme.a1', false);
    expect((await s.agents.get('acme.a1'))!.reachable).toBe(false);
    expect(await s.agents.revoke('acme.a1', T0 + 3)).toBe(true);
    expect(await s.agents.revoke('acme.a1', T0 + 4)).toBe(false);
  });

  it('agents.recordSpool: the figures of the newest heartbeat win, absent counters stay null, null clears them; an agent that never reported has none', async () => {
    await reset();
    await s.agents.insertEnrollmentToken(token('t', { maxUses: null }));
    await s.agents.enroll('t', agentRow('acme.a1'));
    await s.agents.enroll('t', agentRow('acme.a2'));
    const stats = { batches: 4, bytes: 2 ** 40, oldestAgeSeconds: 0.25, droppedBatches: 1, droppedSamples: 500, corruptRecords: 2 };
    await s.agents.recordSpool('acme.a1', stats, T0 + 2000);
    await s.agents.recordSpool('acme.a1', { ...stats, batches: 99 }, T0 + 1000); // an older heartbeat answered late
    expect((await s.agents.get('acme.a1'))!.spool).toEqual({ ...stats, at: T0 + 2000 });
    expect((await s.agents.list()).map((a) => a.spool?.batches ?? null)).toEqual([4, null]);
    const { corruptRecords: _, ...older } = stats;
    await s.agents.recordSpool('acme.a1', older, T0 + 3000);
    expect((await s.agents.get('acme.a1'))!.spool).toEqual({ ...older, corruptRecords: null, at: T0 + 3000 });
    await s.agents.recordSpool('acme.a1', null, T0 + 2500); // older than the figures: kept
    expect((await s.agents.get('acme.a1'))!.spool).not.toBeNull();
    await s.agents.recordSpool('acme.a1', null, T0 + 4000);
    expect((await s.agents.get('acme.a1'))!.spool).toBeNull();
    await s.agents.recordSpool('acme.a2', null, T0 + 4000);
    expect((await s.agents.get('acme.a2'))!.spool).toBeNull();
  });

  it('ingestBatch stores results, metrics, check state and transitions once; a replay writes nothing', async () => {
    await reset();
    await s.agents.insertEnrollmentToken(token('t'));
    await s.agents.enroll('t', agentRow('acme.a1'));
    const b = batch(1, [result('fw-1', T0), result('fw-1', T0 + 10_000, 'down')], {
      metrics: [
        { kind: 'metric', name: 'host_cpu_ratio', ts: T0, value: 0.5, labels: {} },
        { kind: 'metric', name: 'host_cpu_ratio', ts: T0 + 1, value: 0.7, labels: {} },
      ],
      checks: [checkRow('fw-1', { state: 'down', lastTs: T0 + 10_000, lastStatus: 'down' })],
      transitions: [{ clientId: 'acme', checkId: 'fw-1', ts: T0 + 10_000, state: 'down', detectedAt: T0 + 11_000, reason: 'timeout' }],
    });
    expect(await s.checks.ingestBatch(b)).toBe(true);
    expect(await s.checks.ingestBatch({ ...b, results: [result('fw-1', T0 + 20_000)], checks: [checkRow('fw-1', { state: 'up' })] })).toBe(false);
    expect(await s.checks.countResults()).toBe(2);
    expect(await s.checks.countResults('other')).toBe(0);
    expect((await s.checks.get('acme', 'fw-1'))!.state).toBe('down');
    expect(await s.checks.hostMetrics()).toEqual([{ agentId: 'acme.a1', name: 'host_cpu_ratio', labels: {}, ts: T0 + 1, value: 0.7 }]);
    expect(await s.checks.transitionsFor('acme', ['fw-1'], T0, T0 + 60_000)).toEqual([{ ts: T0 + 10_000, check: 'fw-1', state: 'down' }]);
    expect((await s.agents.get('acme.a1'))!.lastSeen).toBe(b.receivedAt);
    // an older host metric does not overwrite a newer one
    await s.checks.ingestBatch(batch(2, [], { metrics: [{ kind: 'metric', name: 'host_cpu_ratio', ts: T0 - 5, value: 0.1, labels: {} }] }));
    expect((await s.checks.hostMetrics(['acme.a1']))[0]!.value).toBe(0.7);
    expect(await s.checks.hostMetrics(['nobody'])).toEqual([]);
  });

  it('concurrent replays of one (agentId, seq) from two connections store it exactly once', async () => {
    await reset();
    const other = await fresh.open();
    const results = Array.from({ length: 50 }, (_, i) => result(`c-${i % 5}`, T0 + i));
    for (let seq = 1; seq <= 20; seq++) {
      const outcomes = await Promise.all([s.checks.ingestBatch(batch(seq, results)), other.checks.ingestBatch(batch(seq, results))]);
      expect(outcomes.filter(Boolean)).toHaveLength(1);
    }
    expect(await s.checks.countResults()).toBe(20 * 50);
  });

  it('describe keeps a check state and replaces its descriptor; list is scoped; saveStates writes states and transitions together', async () => {
    await reset();
    await s.checks.saveStates([checkRow('fw-1', { state: 'down' }), checkRow('b-1', { clientId: 'beta' })], []);
    await s.checks.describe({ id: 'acme.a2', clientId: 'acme', siteId: 'branch' }, [
      { id: 'fw-1', type: 'icmp', intervalSeconds: 30, timeoutSeconds: 2, target: '10.0.0.9', labels: { service: 'wan' } },
      { id: 'new-1', type: 'http', intervalSeconds: 60, timeoutSeconds: 5 },
    ]);
    expect(await s.checks.get('acme', 'fw-1')).toMatchObject({
      state: 'down',
      agentId: 'acme.a2',
      siteId: 'branch',
      type: 'icmp',
      target: '10.0.0.9',
      labels: { service: 'wan' },
      intervalMs: 30_000,
      timeoutMs: 2000,
    });
    expect(await s.checks.get('acme', 'new-1')).toMatchObject({ state: 'unknown', runCount: 0, lastTs: null, lastMetrics: {} });
    expect((await s.checks.list(['acme'])).map((c) => c.checkId)).toEqual(['fw-1', 'new-1']);
    expect((await s.checks.list()).map((c) => `${c.clientId}/${c.checkId}`)).toEqual(['acme/fw-1', 'acme/new-1', 'beta/b-1']);
    expect(await s.checks.list([])).toEqual([]);
    expect(await s.checks.get('acme', 'b-1')).toBeUndefined();
    expect((await s.checks.ofAgent('acme.a2')).map((c) => c.checkId)).toEqual(['fw-1', 'new-1']);
    expect((await s.checks.ofAgent('acme.a1')).map((c) => `${c.clientId}/${c.checkId}`)).toEqual(['beta/b-1']);
    expect(await s.checks.ofAgent('nobody')).toEqual([]);
  });

  it('transitionsFor: the last one before the window, those inside by ts then insertion order, none at or after `to`', async () => {
    await reset();
    const tr = (checkId: string, ts: number, state: 'up' | 'down' | 'unknown') => ({ clientId: 'acme', checkId, ts, state, detectedAt: ts, reason: null });
    await s.checks.saveStates([], [tr('a', T0 - 5000, 'up'), tr('a', T0 - 1000, 'down'), tr('b', T0 + 100, 'down')]);
    await s.checks.saveStates(
      [],
      [tr('a', T0 + 100, 'up'), tr('a', T0 + 100, 'unknown'), tr('a', T0 + 900, 'down'), tr('a', T0 + 1000, 'up'), tr('c', T0, 'down')],
    );
    expect(await s.checks.transitionsFor('acme', ['a', 'b'], T0, T0 + 1000)).toEqual([
      { ts: T0 - 1000, check: 'a', state: 'down' },
      { ts: T0 + 100, check: 'a', state: 'up' },
      { ts: T0 + 100, check: 'a', state: 'unknown' },
      { ts: T0 + 100, check: 'b', state: 'down' },
      { ts: T0 + 900, check: 'a', state: 'down' },
    ]);
    expect(await s.checks.transitionsFor('acme', [], T0, T0 + 1000)).toEqual([]);
    expect(await s.checks.transitionsFor('other', ['a'], T0, T0 + 1000)).toEqual([]);
  });

  it('a check keeps its latency ring; counts; pruning drops results older than the cut, in arrival order', async () => {
    await reset();
    await s.checks.saveStates([checkRow('fw-1', { recentDurationsMs: [3, 1, 2] })], []);
    expect((await s.checks.get('acme', 'fw-1'))!.recentDurationsMs).toEqual([3, 1, 2]);
    await s.checks.saveStates([checkRow('fw-1', { recentDurationsMs: [] })], []);
    expect((await s.checks.get('acme', 'fw-1'))!.recentDurationsMs).toEqual([]);
    for (let seq = 1; seq <= 4; seq++)
      await s.checks.ingestBatch(
        batch(
          seq,
          [1, 2, 3].map((i) => result(`c-${i}`, T0 + seq * 10_000 + i)),
        ),
      );
    // a batch of 300 results goes in as more than one multi-row statement
    await s.checks.ingestBatch(
      batch(
        5,
        Array.from({ length: 300 }, (_, i) => result(`big-${i % 7}`, T0 + 60_000 + i)),
      ),
    );
    expect(await s.checks.countResults('acme')).toBe(312);
    expect(await s.checks.pruneResults(T0 + 25_000)).toBe(6);
    expect(await s.checks.countResults()).toBe(306);
    expect(await s.checks.pruneResults(T0)).toBe(0);
    expect(await s.checks.pruneResults(T0 + 10 * 60_000)).toBe(306);
    expect(await s.checks.pruneResults(T0 + 10 * 60_000)).toBe(0);
  });

  it('incidents: open with its trail, find open, filters, members, resolve once, first acknowledgement wins, escalation only upwards', async () => {
    await reset();
    const i = await s.incidents.open({
      client: 'acme',
      service: 'network',
      kind: 'service-down',
      priority: 'p1',
      startedAt: T0,
      detectedAt: T0 + 20,
      members: ['fw-1'],
      muted: false,
    });
    const w = await s.incidents.open({
      client: 'beta',
      service: 'voip',
      kind: 'burn-rate',
      priority: 'p2',
      site: 'hq',
      startedAt: T0 + 5,
      detectedAt: T0 + 5,
      members: [],
      muted: true,
    });
    expect(i).toMatchObject({
      client: 'acme',
      status: 'open',
      priority: 'p1',
      site: null,
      members: ['fw-1'],
      muted: false,
      escalationLevel: 0,
      acknowledgedAt: null,
    });
    expect(w).toMatchObject({ site: 'hq', muted: true });
    expect((await s.incidents.findOpen('acme', 'network', 'service-down'))!.id).toBe(i.id);
    expect(await s.incidents.findOpen('acme', 'network', 'burn-rate')).toBeUndefined();
    expect((await s.incidents.list({ clients: ['beta'] })).map((x) => x.id)).toEqual([w.id]);
    expect(await s.incidents.list({ clients: [] })).toEqual([]);
    expect((await s.incidents.list({ kind: 'service-down', from: T0, to: T0 + 1 })).map((x) => x.id)).toEqual([i.id]);
    expect(await s.incidents.list({ from: T0 + 6 })).toEqual([]);
    await s.incidents.updateMembers(i.id, T0 + 30, ['fw-1', 'sw-1']);
    expect(await s.incidents.acknowledge(i.id, T0 + 40, 'j.doe', 'api', 'on it')).toBe(true);
    expect(await s.incidents.acknowledge(i.id, T0 + 41, 'k.roe', 'link')).toBe(false);
    expect(await s.incidents.escalate(i.id, T0 + 50, 2)).toBe(true);
    expect(await s.incidents.escalate(i.id, T0 + 51, 1)).toBe(false);
    expect(await s.incidents.resolve(i.id, T0 + 60, T0 + 61)).toBe(true);
    expect(await s.incidents.resolve(i.id, T0 + 70, T0 + 71)).toBe(false);
    await s.incidents.audit(i.id, T0 + 80, 'note', 'ops', { x: 1 });
    expect(await s.incidents.get(i.id)).toMatchObject({
      status: 'resolved',
      resolvedAt: T0 + 60,
      resolveDetectedAt: T0 + 61,
      acknowledgedBy: 'j.doe',
      acknowledgedAt: T0 + 40,
      escalationLevel: 2,
      members: ['fw-1', 'sw-1'],
    });
    expect((await s.incidents.events(i.id)).map((e) => `${e.kind}:${e.actor ?? ''}`)).toEqual([
      'opened:',
      'updated:',
      'acknowledged:j.doe',
      'acknowledged-again:k.roe',
      'escalated:',
      'resolved:',
      'note:ops',
    ]);
    expect((await s.incidents.events(i.id))[2]!.detail).toEqual({ via: 'api', note: 'on it' });
    expect((await s.incidents.listOpen()).map((x) => x.id)).toEqual([w.id]);
    expect(await s.incidents.get(999_999)).toBeUndefined();
  });

  it('outbox: one row per key, oldest first per (incident, channel), a claim excludes others until settled or its lease expires', async () => {
    await reset();
    expect(await s.outbox.enqueue(1, 'incident.opened', 'hook', '{"a":1}', T0)).toBe(true);
    expect(await s.outbox.enqueue(1, 'incident.opened', 'hook', '{"a":2}', T0)).toBe(false);
    await s.outbox.enqueue(1, 'incident.resolved', 'hook', '{}', T0);
    await s.outbox.enqueue(1, 'incident.opened', 'mail', '{}', T0);
    const first = await s.outbox.claimDue(T0, ['hook', 'mail'], 'w1', 10_000, 10);
    expect(first.map((d) => `${d.channel}:${d.event}`)).toEqual(['hook:incident.opened', 'mail:incident.opened']);
    expect(first[0]!.body).toBe('{"a":1}');
    expect(await s.outbox.claimDue(T0 + 1, ['hook', 'mail'], 'w2', 10_000, 10)).toEqual([]); // claimed, and the RESOLVED waits behind its DOWN
    expect(await s.outbox.pendingCount()).toBe(3);
    expect(await s.outbox.settle(first[0]!.id, 'w2', { status: 'delivered', at: T0 + 2 })).toBe(false); // not w2's claim
    expect(await s.outbox.settle(first[0]!.id, 'w1', { status: 'delivered', at: T0 + 2 })).toBe(true);
    expect(await s.outbox.settle(first[0]!.id, 'w1', { status: 'delivered', at: T0 + 3 })).toBe(false); // settled once
    expect((await s.outbox.claimDue(T0 + 3, ['hook'], 'w2', 10_000, 10)).map((d) => d.event)).toEqual(['incident.resolved']);
    // w1 died holding 'mail': after its lease the row is claimable again, and w1's late result is refused
    expect(await s.outbox.claimDue(T0 + 9_999, ['mail'], 'w3', 10_000, 10)).toEqual([]);
    const again = await s.outbox.claimDue(T0 + 10_000, ['mail'], 'w3', 10_000, 10);
    expect(again.map((d) => d.claim)).toEqual(['w3']);
    expect(await s.outbox.settle(again[0]!.id, 'w1', { status: 'delivered', at: T0 + 10_001 })).toBe(false);
    expect(await s.outbox.settle(again[0]!.id, 'w3', { status: 'pending', at: T0 + 10_001, nextAttemptAt: T0 + 20_000.4, error: 'HTTP 500' })).toBe(true);
    expect(await s.outbox.claimDue(T0 + 19_999, ['mail'], 'w3', 10_000, 10)).toEqual([]);
    const rows = await s.outbox.deliveries(1);
    expect(rows.map((d) => `${d.channel}:${d.event}:${d.status}:${d.attempts}`)).toEqual([
      'hook:incident.opened:delivered:1',
      'hook:incident.resolved:sending:0',
      'mail:incident.opened:pending:1',
    ]);
    expect(rows[2]).toMatchObject({ lastError: 'HTTP 500', nextAttemptAt: T0 + 20_000, deliveredAt: null });
    expect(await s.outbox.firstDelivered(1, 'incident.opened')).toEqual({ at: T0 + 2, count: 1 });
    expect(await s.outbox.firstDelivered(1, 'incident.resolved')).toEqual({ at: null, count: 0 });
    expect(await s.outbox.channelsTold(1)).toEqual(['hook', 'mail']);
    expect(await s.outbox.claimDue(T0, [], 'w', 1, 10)).toEqual([]);
  });

  it('two workers on two connections claim concurrently: every row is claimed once, none twice, none lost', async () => {
    await reset();
    const other = await fresh.open();
    for (let inc = 1; inc <= 40; inc++) for (const ch of ['a', 'b', 'c']) await s.outbox.enqueue(inc, 'incident.opened', ch, '{}', T0);
    const claimed = new Map<number, string>();
    const dup: number[] = [];
    const work = async (st: Store, name: string) => {
      for (let round = 0; round < 50; round++) {
        const got = await st.outbox.claimDue(T0, ['a', 'b', 'c'], name, 60_000, 7);
        if (got.length === 0) return;
        for (const d of got) {
          if (claimed.has(d.id)) dup.push(d.id);
          claimed.set(d.id, name);
          expect(await st.outbox.settle(d.id, name, { status: 'delivered', at: T0 + 1 })).toBe(true);
        }
      }
    };
    await Promise.all([work(s, 'w1'), work(other, 'w2')]);
    expect(dup).toEqual([]);
    expect(claimed.size).toBe(120);
    expect(await s.outbox.pendingCount()).toBe(0);
  });

  it('exclusions overlap [from, to); settings keep the first value when two writers race', async () => {
    await reset();
    const other = await fresh.open();
    const e = (start: number, end: number) => ({ service: 'network', start, end, reason: 'carrier cut', addedBy: 'j.doe', addedAt: T0 });
    const id = await s.exclusions.add('acme', e(T0, T0 + 1000));
    expect(id).toBeGreaterThan(0);
    await s.exclusions.add('acme', e(T0 + 5000, T0 + 6000));
    expect(await s.exclusions.list('acme', T0 + 999, T0 + 5001)).toEqual([e(T0, T0 + 1000), e(T0 + 5000, T0 + 6000)]);
    expect(await s.exclusions.list('acme', T0 + 1000, T0 + 5000)).toEqual([]);
    expect(await s.exclusions.list('beta', 0, Number.MAX_SAFE_INTEGER)).toEqual([]);
    const [x, y] = await Promise.all([s.settings.putIfAbsent('ack_secret', 'one'), other.settings.putIfAbsent('ack_secret', 'two')]);
    expect(x).toBe(y);
    expect(await s.settings.get('ack_secret')).toBe(x);
    expect(await s.settings.get('missing')).toBeUndefined();
  });

  it('transaction: commits together, rolls back everything on a throw, nested calls join, outside calls are not swallowed by it', async () => {
    await reset();
    await s.transaction(async (tx) => {
      await tx.settings.putIfAbsent('a', '1');
      await tx.transaction(async (inner) => inner.settings.putIfAbsent('b', '2'));
    });
    expect([await s.settings.get('a'), await s.settings.get('b')]).toEqual(['1', '2']);
    let outside: Promise<string> | undefined;
    await expect(
      s.transaction(async (tx) => {
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
        outside = s.settings.putIfAbsent('outside', 'kept'); // another caller, while the transaction is open
        await tx.settings.putIfAbsent('c', '3');
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    await outside;
    expect(await s.settings.get('c')).toBeUndefined();
    expect(await s.incidents.list()).toEqual([]);
    expect(await s.settings.get('outside')).toBe('kept');
  });

  it('batches sent together are committed together: each answered for itself, a copy in the same group is a replay, a bad one fails alone', async () => {
    await reset();
    const ok = (seq: number) => batch(seq, [result(`g-${seq}`, T0 + seq)], { checks: [checkRow(`g-${seq}`)] });
    const bad = batch(3, [result('g-3', T0)], { checks: [checkRow('g-3', { state: null as never })] });
    const outcomes = await Promise.allSettled([
      s.checks.ingestBatch(ok(1)),
      s.checks.ingestBatch(ok(2)),
      s.checks.ingestBatch(ok(2)),
      s.checks.ingestBatch(bad),
      s.checks.ingestBatch(ok(4)),
    ]);
    expect(outcomes.map((o) => (o.status === 'fulfilled' ? o.value : 'rejected'))).toEqual([true, true, false, 'rejected', true]);
    expect(await s.checks.countResults()).toBe(3);
    expect((await s.checks.list()).map((c) => c.checkId)).toEqual(['g-1', 'g-2', 'g-4']);
  });

  it('ingestBatch retracts inferred transitions at or after `from` in its transaction: measured ones stay, a replay retracts nothing', async () => {
    await reset();
    const tr = (checkId: string, ts: number, state: 'up' | 'down' | 'unknown', reason: string | null = null) => ({
      clientId: 'acme',
      checkId,
      ts,
      state,
      detectedAt: ts,
      reason,
    });
    const history = async (id: string) => (await s.checks.transitionsFor('acme', [id], 0, T0 + 10_000)).map((t) => `${t.ts - T0}:${t.state}`);
    await s.checks.saveStates(
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
    expect(await s.checks.ingestBatch(b1)).toBe(true);
    expect(await history('a')).toEqual(['0:up', '100:unknown', '300:up']);
    expect(await history('b')).toEqual(['0:up', '50:unknown', '60:up', '150:down']); // before `from`, and measured: kept
    expect(await history('c')).toEqual(['100:unknown']);
    // in one group: a replay of batch 1 (retracting everything of a) and a new batch retracting c's
    await s.checks.saveStates([], [tr('a', T0 + 400, 'unknown', 'stale')]);
    const outcomes = await Promise.all([
      s.checks.ingestBatch({ ...b1, retractInferred: [{ checkId: 'a', from: 0 }] }),
      s.checks.ingestBatch(batch(2, [result('c', T0 + 200)], { retractInferred: [{ checkId: 'c', from: T0 }] })),
    ]);
    expect(outcomes).toEqual([false, true]);
    expect(await history('a')).toEqual(['0:up', '100:unknown', '300:up', '400:unknown']);
    expect(await history('c')).toEqual([]);
  });

  it('markAlive records the last-alive time forward only, readable as a setting', async () => {
    await reset();
    expect(await s.settings.get(LAST_ALIVE_SETTING)).toBeUndefined();
    await s.checks.markAlive(T0 + 5000);
    await s.checks.markAlive(T0 + 1000);
    expect(await s.settings.get(LAST_ALIVE_SETTING)).toBe(String(T0 + 5000));
    await s.checks.markAlive(T0 + 9000);
    expect(await s.settings.get(LAST_ALIVE_SETTING)).toBe(String(T0 + 9000));
  });

  it('a released check id belongs to nobody: not among its old agent’s checks, free after a restart, then the next agent’s (state engine on this store)', async () => {
    await reset();
    const clock = new ManualClock(T0);
    const engineOn = async (store: Store) => {
      const sm: StateMachine = new StateMachine(
        store,
        clock,
        silentLogger(),
        { confirmDown: 1, confirmUp: 1, degradedAs: 'down', staleAfterIntervals: 3, heartbeatLostAfterMs: 45_000 },
        [],
        new ServiceTracker(
          (c, m) => sm.stateOf(c, m),
          clock,
          () => [],
        ),
      );
      await sm.load();
      return sm;
    };
    await s.agents.insertEnrollmentToken(token('t', { maxUses: null }));
    await s.agents.enroll('t', agentRow('acme.a1'));
    await s.agents.enroll('t', agentRow('acme.a2', 'acme', 'branch'));
    const [a1, a2] = [(await s.agents.get('acme.a1'))!, (await s.agents.get('acme.a2'))!];
    const first = await engineOn(s);
    expect(await first.ingest(a1, 1, [result('fw-1', T0)], [])).toBe(true);
    clock.set(T0 + 5000);
    expect(await first.releaseCheck('acme', 'fw-1')).toEqual({ owner: 'acme.a1' });
    await first.idle();
    expect(await s.checks.ofAgent('acme.a1')).toEqual([]);
    expect(await s.checks.get('acme', 'fw-1')).toMatchObject({ agentId: NO_AGENT, state: 'unknown', stateSince: T0 + 5000, lastTs: T0 + 5000 });

    const second = await engineOn(await fresh.open());
    expect(second.ownerOf('acme', 'fw-1')).toBeUndefined();
    clock.set(T0 + 10_000);
    expect(await second.ingest(a2, 1, [result('fw-1', T0 + 10_000)], [])).toBe(true);
    expect(second.ownerOf('acme', 'fw-1')).toBe('acme.a2');
    expect(await s.checks.get('acme', 'fw-1')).toMatchObject({ agentId: 'acme.a2', siteId: 'branch', state: 'up', stateSince: T0 + 10_000 });
    expect((await s.checks.transitionsFor('acme', ['fw-1'], 0, T0 + 60_000)).map((t) => [t.ts - T0, t.state])).toEqual([
      [0, 'up'],
      [5000, 'unknown'],
      [10_000, 'up'],
    ]);
  });

  it('a WAN outage backfilled after the sweep inferred unknown gives the SLA report of the same results on time (state engine on this store)', async () => {
    const sc: LateScenario = {
      rounds: Array.from({ length: 30 }, (_, i): Status[] =>
        i === 9 || i === 10 ? ['down', 'up', 'up'] : i === 14 ? ['up', 'down', 'down'] : ['up', 'up', 'up'],
      ),
      outage: { start: 5, length: 15 },
      dropped: 3,
      batches: 3,
    };
    const outcomes = [];
    for (const late of [false, true]) {
      const store = (await engine.fresh()).store;
      const clock = new ManualClock(T0);
      const defs = [parseDefinition(STRICT_DEF, 'acme.yaml')];
      const sm: StateMachine = new StateMachine(
        store,
        clock,
        silentLogger(),
        { confirmDown: 2, confirmUp: 1, degradedAs: 'down', staleAfterIntervals: 3, heartbeatLostAfterMs: 45_000 },
        [],
        new ServiceTracker(
          (c, m) => sm.stateOf(c, m),
          clock,
          () => defs,
        ),
        () => defs,
      );
      await sm.load();
      await store.agents.insertEnrollmentToken(token('t'));
      await store.agents.enroll('t', agentRow('acme.a1'));
      const agent = (await store.agents.get('acme.a1'))!;
      let seq = 0;
      const inferred: string[] = [];
      const driver: SiteDriver = {
        at: (ms) => clock.set(ms),
        ingest: async (rs) => {
          expect(
            await sm.ingest(
              agent,
              ++seq,
              rs.map((r) => result(r.check, r.ts, r.status)),
              [],
            ),
          ).toBe(true);
        },
        heartbeat: () =>
          sm.heartbeat(
            agent,
            CHECKS.map((id) => ({ id, type: 'tcp', intervalSeconds: INTERVAL_MS / 1000, timeoutSeconds: 1 })),
            HEARTBEAT_MS,
          ),
        sweep: () => sm.sweep(),
      };
      const end = await play(driver, sc, late, T0, async () => {
        for (const c of CHECKS) inferred.push((await store.checks.get('acme', c))!.state);
      });
      clock.set(end);
      await sm.idle();
      if (late) expect(inferred).toEqual(['unknown', 'unknown', 'unknown']);
      outcomes.push({
        report: await slaReportFor(store, defs, 'acme', undefined, end),
        transitions: await store.checks.transitionsFor('acme', [...CHECKS], 0, end + 1),
      });
    }
    expect(outcomes[1]).toEqual(outcomes[0]);
    expect(outcomes[0]!.transitions.filter((t) => t.state === 'unknown').map((t) => t.ts - T0)).toEqual([50_000, 50_000, 50_000]); // the rounds lost, on time and late
  });

  it('a statement failing mid-batch leaves nothing of the batch, so its retry is stored whole', async () => {
    await reset();
    const bad = batch(7, [result('fw-1', T0), result('fw-2', T0)], { checks: [checkRow('fw-1'), checkRow('fw-2', { state: null as never })] });
    await expect(s.checks.ingestBatch(bad)).rejects.toThrow();
    expect(await s.checks.countResults()).toBe(0);
    expect(await s.checks.get('acme', 'fw-1')).toBeUndefined();
    expect(await s.checks.ingestBatch({ ...bad, checks: [checkRow('fw-1'), checkRow('fw-2')] })).toBe(true);
    expect(await s.checks.countResults()).toBe(2);
  });

  if (_name === 'postgres')
    it('a connection lost mid-transaction leaves nothing half-written and surfaces VIGIL_ERR_STORE_UNAVAILABLE; the store recovers', async () => {
      await reset();
      const err = await s
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
          await fresh.cut!(s);
          await tx.settings.putIfAbsent('after-cut', 'x');
        })
        .catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'VIGIL_ERR_STORE_UNAVAILABLE', statusCode: 503 });
      expect(String((err as Error).message)).toMatch(/PostgreSQL at postgres:\/\/vigil@127\.0\.0\.1:\d+\//);
      // the pool makes a new connection: nothing of the cut transaction is there
      expect(await s.incidents.list()).toEqual([]);
      expect(await s.settings.get('after-cut')).toBeUndefined();
      // a batch that fails mid-way is not half stored either
      await fresh.cut!(s);
      expect(await s.checks.ingestBatch(batch(1, [result('fw-1', T0)]))).toBe(true);
      expect(await s.checks.countResults()).toBe(1);
    });
});
