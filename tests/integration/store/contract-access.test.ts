import { expect, it } from 'vitest';
import type { ApiTokenRow, AuditEntry } from '../../../collector/src/store/types.js';
import { storeContract, T0 } from './contract-kit.js';

const apiToken = (id: string, over: Partial<ApiTokenRow> = {}): ApiTokenRow => ({
  id,
  name: `noc ${id}`,
  role: 'viewer',
  clients: ['acme', 'globex'],
  tokenHash: `h-${id}`,
  createdAt: T0,
  createdBy: 'admin',
  expiresAt: T0 + 86_400_000,
  revokedAt: null,
  ...over,
});
const entry = (ts: number, over: Partial<Omit<AuditEntry, 'id'>> = {}): Omit<AuditEntry, 'id'> => ({
  ts,
  principal: 'admin',
  role: 'admin',
  action: 'exclusion.add',
  target: 'acme/network',
  client: 'acme',
  source: '127.0.0.1',
  detail: { reason: 'planned', start: T0 },
  ...over,
});

storeContract('API tokens and the audit log', (c) => {
  it('API tokens: create, find by hash, list newest first, revoke once; a second token with the same hash is refused', async () => {
    await c.reset();
    await c.s.apiTokens.create(apiToken('tok_a'));
    await c.s.apiTokens.create(apiToken('tok_b', { role: 'operator', clients: [], createdAt: T0 + 1, expiresAt: null }));
    expect(await c.s.apiTokens.byHash('h-tok_a')).toEqual(apiToken('tok_a'));
    expect(await c.s.apiTokens.byHash('nope')).toBeUndefined();
    expect((await c.s.apiTokens.list()).map((t) => [t.id, t.role, t.clients, t.expiresAt])).toEqual([
      ['tok_b', 'operator', [], null],
      ['tok_a', 'viewer', ['acme', 'globex'], T0 + 86_400_000],
    ]);
    expect(await c.s.apiTokens.revoke('tok_a', T0 + 5)).toBe(true);
    expect(await c.s.apiTokens.revoke('tok_a', T0 + 6)).toBe(false);
    expect(await c.s.apiTokens.revoke('tok_zz', T0 + 6)).toBe(false);
    expect((await c.s.apiTokens.byHash('h-tok_a'))!.revokedAt).toBe(T0 + 5);
    await expect(c.s.apiTokens.create(apiToken('tok_c', { tokenHash: 'h-tok_b' }))).rejects.toThrow();
  });

  it('audit log: appended entries come back newest first, filtered by time, principal, action and clients in the query', async () => {
    await c.reset();
    const ids = [];
    ids.push(await c.s.audit.append(entry(T0)));
    ids.push(await c.s.audit.append(entry(T0 + 10, { principal: 'tok_a', role: 'operator', action: 'incident.ack', target: '7', client: 'globex' })));
    ids.push(await c.s.audit.append(entry(T0 + 20, { action: 'api-token.create', target: 'tok_b', client: null, detail: { role: 'viewer' } })));
    expect(new Set(ids).size).toBe(3);
    const all = await c.s.audit.list();
    expect(all.map((e) => e.action)).toEqual(['api-token.create', 'incident.ack', 'exclusion.add']);
    expect(all[2]).toEqual({ id: ids[0], ...entry(T0) });
    expect((await c.s.audit.list({ from: T0 + 5, to: T0 + 20 })).map((e) => e.ts)).toEqual([T0 + 10]);
    expect((await c.s.audit.list({ principal: 'tok_a' })).map((e) => e.target)).toEqual(['7']);
    expect((await c.s.audit.list({ action: 'exclusion.add' })).map((e) => e.client)).toEqual(['acme']);
    expect((await c.s.audit.list({ clients: ['acme'] })).map((e) => e.action)).toEqual(['exclusion.add']);
    expect(await c.s.audit.list({ clients: [] })).toEqual([]);
    expect((await c.s.audit.list({ limit: 2 })).map((e) => e.ts)).toEqual([T0 + 20, T0 + 10]);
  });

  it('the audit log is append-only in the database itself: UPDATE, DELETE (and TRUNCATE on PostgreSQL) are refused', async () => {
    await c.reset();
    await c.s.audit.append(entry(T0));
    await expect(c.fresh.raw("UPDATE audit_log SET principal = 'someone else'")).rejects.toThrow(/append-only/);
    await expect(c.fresh.raw('DELETE FROM audit_log')).rejects.toThrow(/append-only/);
    if (c.name === 'postgres') await expect(c.fresh.raw('TRUNCATE audit_log')).rejects.toThrow(/append-only/);
    expect((await c.s.audit.list()).map((e) => e.principal)).toEqual(['admin']);
  });
});

storeContract('the report archive', (c) => {
  const issued = (period: string, at: number, over: Record<string, unknown> = {}) => ({
    client: 'acme',
    period,
    issuedAt: at,
    issuedBy: 'admin',
    reason: null,
    status: 'final' as const,
    sha256: `h${at}`,
    json: `{"at":${at}}`,
    ...over,
  });

  it('numbers the versions of (client, period) from 1, also when two issuers race; keeps each exactly as issued; lists newest first', async () => {
    await c.reset();
    const other = await c.fresh.open();
    const first = await c.s.reports.add(issued('2026-10', T0));
    expect(first.version).toBe(1);
    const raced = await Promise.all([
      c.s.reports.add(issued('2026-10', T0 + 1, { reason: 'recompute' })),
      other.reports.add(issued('2026-10', T0 + 2, { reason: 'late data' })),
    ]);
    expect(raced.map((r) => r.version).sort()).toEqual([2, 3]);
    await c.s.reports.add(issued('2026-09', T0 + 3));
    const listed = await c.s.reports.list('acme', '2026-10');
    expect(listed.map((r) => r.issuedAt)).toEqual([T0 + 2, T0 + 1, T0]);
    expect(listed[0]).not.toHaveProperty('json');
    expect((await c.s.reports.list('acme')).map((r) => r.period)).toContain('2026-09');
    expect(await c.s.reports.list('globex')).toEqual([]);
    expect(await c.s.reports.get(first.id)).toEqual({ ...issued('2026-10', T0), id: first.id, version: 1 });
    await expect(c.fresh.raw("UPDATE report_archive SET json = '{}'")).rejects.toThrow(/append-only/);
    await expect(c.fresh.raw('DELETE FROM report_archive')).rejects.toThrow(/append-only/);
  });
});
