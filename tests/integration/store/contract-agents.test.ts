import { expect, it } from 'vitest';
import { agentRow, storeContract, T0, token } from './contract-kit.js';

storeContract('agents and tokens, exclusions, settings, transactions', (c) => {
  it('migrates once: opening again applies nothing and keeps the data', async () => {
    await c.reset();
    await c.s.settings.putIfAbsent('k', 'v');
    expect(await c.s.migrate()).toMatchObject({ applied: [] });
    const again = await c.fresh.open();
    expect((await again.migrate()).applied).toEqual([]);
    expect(await again.settings.get('k')).toBe('v');
  });

  it('enrollment tokens: insert, find by hash, list, revoke once', async () => {
    await c.reset();
    await c.s.agents.insertEnrollmentToken(token('t1'));
    await c.s.agents.insertEnrollmentToken({ ...token('t2'), createdAt: T0 + 1 });
    expect(await c.s.agents.findEnrollmentTokenByHash('th-t1')).toEqual(token('t1'));
    expect(await c.s.agents.findEnrollmentTokenByHash('nope')).toBeUndefined();
    expect((await c.s.agents.listEnrollmentTokens()).map((t) => t.id)).toEqual(['t1', 't2']);
    expect(await c.s.agents.revokeEnrollmentToken('t1', T0 + 5)).toBe(true);
    expect(await c.s.agents.revokeEnrollmentToken('t1', T0 + 6)).toBe(false);
    expect((await c.s.agents.findEnrollmentTokenByHash('th-t1'))!.revokedAt).toBe(T0 + 5);
  });

  it('enroll uses a token atomically: max uses hold under concurrent enrollments from two connections; revoked and expired tokens enroll nobody', async () => {
    await c.reset();
    const other = await c.fresh.open();
    await c.s.agents.insertEnrollmentToken(token('once', { maxUses: 1 }));
    const outcomes = await Promise.all([c.s.agents.enroll('once', agentRow('acme.x')), other.agents.enroll('once', agentRow('acme.y'))]);
    expect(outcomes.filter(Boolean)).toHaveLength(1);
    expect((await c.s.agents.list()).map((a) => a.id)).toHaveLength(1);
    expect((await c.s.agents.findEnrollmentTokenByHash('th-once'))!.uses).toBe(1);
    await c.s.agents.insertEnrollmentToken(token('old', { expiresAt: T0 - 1 }));
    expect(await c.s.agents.enroll('old', agentRow('acme.z'))).toBe(false);
    await c.s.agents.insertEnrollmentToken(token('rev'));
    await c.s.agents.revokeEnrollmentToken('rev', T0);
    expect(await c.s.agents.enroll('rev', agentRow('acme.w'))).toBe(false);
    expect(await c.s.agents.get('acme.z')).toBeUndefined();
  });

  it('agents: find by token hash, scoped list, touch only forward, reachability, revoke once', async () => {
    await c.reset();
    await c.s.agents.insertEnrollmentToken(token('t', { maxUses: null }));
    await c.s.agents.enroll('t', agentRow('acme.a1'));
    await c.s.agents.enroll('t', agentRow('beta.b1', 'beta'));
    expect((await c.s.agents.findByTokenHash('hash-acme.a1'))!.id).toBe('acme.a1');
    expect((await c.s.agents.list(['beta'])).map((a) => a.id)).toEqual(['beta.b1']);
    expect(await c.s.agents.list([])).toEqual([]);
    await c.s.agents.touch('acme.a1', T0 + 2000, 15_000);
    await c.s.agents.touch('acme.a1', T0 + 1000);
    expect(await c.s.agents.get('acme.a1')).toMatchObject({ lastSeen: T0 + 2000, heartbeatIntervalMs: 15_000, reachable: true });
    await c.s.agents.setReachable('acme.a1', false);
    expect((await c.s.agents.get('acme.a1'))!.reachable).toBe(false);
    expect(await c.s.agents.revoke('acme.a1', T0 + 3)).toBe(true);
    expect(await c.s.agents.revoke('acme.a1', T0 + 4)).toBe(false);
  });

  it('agents.recordSpool: the figures of the newest heartbeat win, absent counters stay null, null clears them; an agent that never reported has none', async () => {
    await c.reset();
    await c.s.agents.insertEnrollmentToken(token('t', { maxUses: null }));
    await c.s.agents.enroll('t', agentRow('acme.a1'));
    await c.s.agents.enroll('t', agentRow('acme.a2'));
    const stats = { batches: 4, bytes: 2 ** 40, oldestAgeSeconds: 0.25, droppedBatches: 1, droppedSamples: 500, corruptRecords: 2 };
    await c.s.agents.recordSpool('acme.a1', stats, T0 + 2000);
    await c.s.agents.recordSpool('acme.a1', { ...stats, batches: 99 }, T0 + 1000); // an older heartbeat answered late
    expect((await c.s.agents.get('acme.a1'))!.spool).toEqual({ ...stats, at: T0 + 2000 });
    expect((await c.s.agents.list()).map((a) => a.spool?.batches ?? null)).toEqual([4, null]);
    const { corruptRecords: _, ...older } = stats;
    await c.s.agents.recordSpool('acme.a1', older, T0 + 3000);
    expect((await c.s.agents.get('acme.a1'))!.spool).toEqual({ ...older, corruptRecords: null, at: T0 + 3000 });
    await c.s.agents.recordSpool('acme.a1', null, T0 + 2500); // older than the figures: kept
    expect((await c.s.agents.get('acme.a1'))!.spool).not.toBeNull();
    await c.s.agents.recordSpool('acme.a1', null, T0 + 4000);
    expect((await c.s.agents.get('acme.a1'))!.spool).toBeNull();
    await c.s.agents.recordSpool('acme.a2', null, T0 + 4000);
    expect((await c.s.agents.get('acme.a2'))!.spool).toBeNull();
  });

  it('agents.recordRuntime: version, OS, start and the configuration report (problems with paths) of the newest report win; none before the first', async () => {
    await c.reset();
    await c.s.agents.insertEnrollmentToken(token('t', { maxUses: null }));
    await c.s.agents.enroll('t', agentRow('acme.a1'));
    await c.s.agents.enroll('t', agentRow('acme.a2'));
    expect((await c.s.agents.get('acme.a1'))!.runtime).toBeNull();
    const rejected = {
      source: 'central' as const,
      version: '0123456789abcdef',
      state: 'rejected' as const,
      rejectedVersion: 'fedcba9876543210',
      problems: [
        { path: '/checks/1/url', message: 'must match pattern "^https?://"' },
        { path: '/checks/2/intervall', message: 'unknown field(s): intervall — it\'s "interval"' },
      ],
    };
    const r1 = { agentVersion: '0.2.0', os: 'linux 6.1.0-18-amd64 x64', startedAt: T0 - 3_600_000, config: rejected, at: T0 + 2000 };
    await c.s.agents.recordRuntime('acme.a1', r1);
    await c.s.agents.recordRuntime('acme.a1', { ...r1, agentVersion: '0.1.0', at: T0 + 1000 }); // an older heartbeat answered late
    expect((await c.s.agents.get('acme.a1'))!.runtime).toEqual(r1);
    const applied = { source: 'local' as const, version: 'aaaabbbbccccdddd', state: 'applied' as const, rejectedVersion: null, problems: [] };
    const r2 = { agentVersion: '0.2.1', os: null, startedAt: T0 + 2500, config: applied, at: T0 + 3000 };
    await c.s.agents.recordRuntime('acme.a1', r2);
    const r3 = { agentVersion: '0.0.1', os: null, startedAt: T0, config: null, at: T0 + 3000 };
    await c.s.agents.recordRuntime('acme.a2', r3); // an agent version from before central configuration
    const rows = await c.s.agents.list(['acme']);
    expect(rows.map((a) => [a.id, a.runtime])).toEqual([
      ['acme.a1', r2],
      ['acme.a2', r3],
    ]);
    expect(rows[0]!.spool).toBeNull(); // the spool columns are their own
  });

  it('exclusions overlap [from, to); settings keep the first value when two writers race', async () => {
    await c.reset();
    const other = await c.fresh.open();
    const e = (start: number, end: number) => ({ service: 'network', start, end, reason: 'carrier cut', addedBy: 'j.doe', addedAt: T0 });
    const id = await c.s.exclusions.add('acme', e(T0, T0 + 1000));
    expect(id).toBeGreaterThan(0);
    await c.s.exclusions.add('acme', e(T0 + 5000, T0 + 6000));
    expect(await c.s.exclusions.list('acme', T0 + 999, T0 + 5001)).toEqual([e(T0, T0 + 1000), e(T0 + 5000, T0 + 6000)]);
    expect(await c.s.exclusions.list('acme', T0 + 1000, T0 + 5000)).toEqual([]);
    expect(await c.s.exclusions.list('beta', 0, Number.MAX_SAFE_INTEGER)).toEqual([]);
    const [x, y] = await Promise.all([c.s.settings.putIfAbsent('ack_secret', 'one'), other.settings.putIfAbsent('ack_secret', 'two')]);
    expect(x).toBe(y);
    expect(await c.s.settings.get('ack_secret')).toBe(x);
    expect(await c.s.settings.get('missing')).toBeUndefined();
  });

  it('transaction: commits together, rolls back everything on a throw, nested calls join, outside calls are not swallowed by it', async () => {
    await c.reset();
    await c.s.transaction(async (tx) => {
      await tx.settings.putIfAbsent('a', '1');
      await tx.transaction(async (inner) => inner.settings.putIfAbsent('b', '2'));
    });
    expect([await c.s.settings.get('a'), await c.s.settings.get('b')]).toEqual(['1', '2']);
    let outside: Promise<string> | undefined;
    await expect(
      c.s.transaction(async (tx) => {
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
        outside = c.s.settings.putIfAbsent('outside', 'kept'); // another caller, while the transaction is open
        await tx.settings.putIfAbsent('c', '3');
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    await outside;
    expect(await c.s.settings.get('c')).toBeUndefined();
    expect(await c.s.incidents.list()).toEqual([]);
    expect(await c.s.settings.get('outside')).toBe('kept');
  });
});
