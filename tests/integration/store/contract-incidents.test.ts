import { expect, it } from 'vitest';
import type { Store } from '../../../collector/src/store/types.js';
import { storeContract, T0 } from './contract-kit.js';

storeContract('incidents and the outbox', (c) => {
  it('incidents: open with its trail, find open, filters, members, resolve once, first acknowledgement wins, escalation only upwards', async () => {
    await c.reset();
    const i = await c.s.incidents.open({
      client: 'acme',
      service: 'network',
      kind: 'service-down',
      priority: 'p1',
      startedAt: T0,
      detectedAt: T0 + 20,
      members: ['fw-1'],
      muted: false,
    });
    const w = await c.s.incidents.open({
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
    expect((await c.s.incidents.findOpen('acme', 'network', 'service-down'))!.id).toBe(i.id);
    expect(await c.s.incidents.findOpen('acme', 'network', 'burn-rate')).toBeUndefined();
    expect((await c.s.incidents.list({ clients: ['beta'] })).map((x) => x.id)).toEqual([w.id]);
    expect(await c.s.incidents.list({ clients: [] })).toEqual([]);
    expect((await c.s.incidents.list({ kind: 'service-down', from: T0, to: T0 + 1 })).map((x) => x.id)).toEqual([i.id]);
    expect(await c.s.incidents.list({ from: T0 + 6 })).toEqual([]);
    await c.s.incidents.updateMembers(i.id, T0 + 30, ['fw-1', 'sw-1']);
    expect(await c.s.incidents.acknowledge(i.id, T0 + 40, 'j.doe', 'api', 'on it')).toBe(true);
    expect(await c.s.incidents.acknowledge(i.id, T0 + 41, 'k.roe', 'link')).toBe(false);
    expect(await c.s.incidents.escalate(i.id, T0 + 50, 2)).toBe(true);
    expect(await c.s.incidents.escalate(i.id, T0 + 51, 1)).toBe(false);
    expect(await c.s.incidents.resolve(i.id, T0 + 60, T0 + 61)).toBe(true);
    expect(await c.s.incidents.resolve(i.id, T0 + 70, T0 + 71)).toBe(false);
    await c.s.incidents.audit(i.id, T0 + 80, 'note', 'ops', { x: 1 });
    expect(await c.s.incidents.get(i.id)).toMatchObject({
      status: 'resolved',
      resolvedAt: T0 + 60,
      resolveDetectedAt: T0 + 61,
      acknowledgedBy: 'j.doe',
      acknowledgedAt: T0 + 40,
      escalationLevel: 2,
      members: ['fw-1', 'sw-1'],
    });
    expect((await c.s.incidents.events(i.id)).map((e) => `${e.kind}:${e.actor ?? ''}`)).toEqual([
      'opened:',
      'updated:',
      'acknowledged:j.doe',
      'acknowledged-again:k.roe',
      'escalated:',
      'resolved:',
      'note:ops',
    ]);
    expect((await c.s.incidents.events(i.id))[2]!.detail).toEqual({ via: 'api', note: 'on it' });
    expect((await c.s.incidents.listOpen()).map((x) => x.id)).toEqual([w.id]);
    expect(await c.s.incidents.get(999_999)).toBeUndefined();
  });

  it('outbox: one row per key, oldest first per (incident, channel), a claim excludes others until settled or its lease expires', async () => {
    await c.reset();
    expect(await c.s.outbox.enqueue(1, 'incident.opened', 'hook', '{"a":1}', T0)).toBe(true);
    expect(await c.s.outbox.enqueue(1, 'incident.opened', 'hook', '{"a":2}', T0)).toBe(false);
    await c.s.outbox.enqueue(1, 'incident.resolved', 'hook', '{}', T0);
    await c.s.outbox.enqueue(1, 'incident.opened', 'mail', '{}', T0);
    const first = await c.s.outbox.claimDue(T0, ['hook', 'mail'], 'w1', 10_000, 10);
    expect(first.map((d) => `${d.channel}:${d.event}`)).toEqual(['hook:incident.opened', 'mail:incident.opened']);
    expect(first[0]!.body).toBe('{"a":1}');
    expect(await c.s.outbox.claimDue(T0 + 1, ['hook', 'mail'], 'w2', 10_000, 10)).toEqual([]); // claimed, and the RESOLVED waits behind its DOWN
    expect(await c.s.outbox.pendingCount()).toBe(3);
    expect(await c.s.outbox.settle(first[0]!.id, 'w2', { status: 'delivered', at: T0 + 2 })).toBe(false); // not w2's claim
    expect(await c.s.outbox.settle(first[0]!.id, 'w1', { status: 'delivered', at: T0 + 2 })).toBe(true);
    expect(await c.s.outbox.settle(first[0]!.id, 'w1', { status: 'delivered', at: T0 + 3 })).toBe(false); // settled once
    expect((await c.s.outbox.claimDue(T0 + 3, ['hook'], 'w2', 10_000, 10)).map((d) => d.event)).toEqual(['incident.resolved']);
    // w1 died holding 'mail': after its lease the row is claimable again, and w1's late result is refused
    expect(await c.s.outbox.claimDue(T0 + 9_999, ['mail'], 'w3', 10_000, 10)).toEqual([]);
    const again = await c.s.outbox.claimDue(T0 + 10_000, ['mail'], 'w3', 10_000, 10);
    expect(again.map((d) => d.claim)).toEqual(['w3']);
    expect(await c.s.outbox.settle(again[0]!.id, 'w1', { status: 'delivered', at: T0 + 10_001 })).toBe(false);
    expect(await c.s.outbox.settle(again[0]!.id, 'w3', { status: 'pending', at: T0 + 10_001, nextAttemptAt: T0 + 20_000.4, error: 'HTTP 500' })).toBe(true);
    expect(await c.s.outbox.claimDue(T0 + 19_999, ['mail'], 'w3', 10_000, 10)).toEqual([]);
    const rows = await c.s.outbox.deliveries(1);
    expect(rows.map((d) => `${d.channel}:${d.event}:${d.status}:${d.attempts}`)).toEqual([
      'hook:incident.opened:delivered:1',
      'hook:incident.resolved:sending:0',
      'mail:incident.opened:pending:1',
    ]);
    expect(rows[2]).toMatchObject({ lastError: 'HTTP 500', nextAttemptAt: T0 + 20_000, deliveredAt: null });
    expect(await c.s.outbox.firstDelivered(1, 'incident.opened')).toEqual({ at: T0 + 2, count: 1 });
    expect(await c.s.outbox.firstDelivered(1, 'incident.resolved')).toEqual({ at: null, count: 0 });
    expect(await c.s.outbox.channelsTold(1)).toEqual(['hook', 'mail']);
    expect(await c.s.outbox.claimDue(T0, [], 'w', 1, 10)).toEqual([]);
  });

  it('two workers on two connections claim concurrently: every row is claimed once, none twice, none lost', async () => {
    await c.reset();
    const other = await c.fresh.open();
    for (let inc = 1; inc <= 40; inc++) for (const ch of ['a', 'b', 'c']) await c.s.outbox.enqueue(inc, 'incident.opened', ch, '{}', T0);
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
    await Promise.all([work(c.s, 'w1'), work(other, 'w2')]);
    expect(dup).toEqual([]);
    expect(claimed.size).toBe(120);
    expect(await c.s.outbox.pendingCount()).toBe(0);
  });
});
