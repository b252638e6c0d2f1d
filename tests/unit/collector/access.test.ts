import { chmodSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseCollectorConfig } from '../../../collector/src/config.js';
import { SqliteStore } from '../../../collector/src/store/sqlite/sqlite-store.js';
import { tempDir } from '../../helpers/net.js';
import { AS_ADMIN, collectorFixture } from './fixture.js';

let f: Awaited<ReturnType<typeof collectorFixture>> | undefined;
afterEach(async () => {
  await f?.close();
  f = undefined;
});
const bearer = (t: string) => ({ authorization: `Bearer ${t}` });

describe('API tokens', () => {
  it('are shown once, kept as a hash, listed without it; revoked and expired ones are refused with their own code', async () => {
    f = await collectorFixture();
    const created = await f.app.inject({
      method: 'POST',
      url: '/api/v1/admin/api-tokens',
      headers: AS_ADMIN,
      payload: { name: 'noc screen', role: 'viewer', clients: ['acme'], ttlSeconds: 3600 },
    });
    expect(created.statusCode).toBe(201);
    const { token, id } = created.json();
    expect(token).toMatch(/^vgt_[A-Za-z0-9_-]{43}$/);
    const list = (await f.app.inject({ url: '/api/v1/admin/api-tokens', headers: AS_ADMIN })).json().tokens;
    expect(list).toEqual([expect.objectContaining({ id, role: 'viewer', clients: ['acme'], status: 'active', createdBy: 'admin' })]);
    expect(JSON.stringify(list)).not.toContain(token);
    expect(JSON.stringify(await f.store.apiTokens.list())).not.toContain(token); // only the hash is stored
    expect((await f.app.inject({ url: '/api/v1/sla/acme', headers: bearer(token) })).statusCode).toBe(200);
    f.clock.advance(3600_000);
    const expired = await f.app.inject({ url: '/api/v1/sla/acme', headers: bearer(token) });
    expect([expired.statusCode, expired.json().error.code]).toEqual([401, 'VIGIL_ERR_TOKEN_EXPIRED']);
    const other = (
      await f.app.inject({ method: 'POST', url: '/api/v1/admin/api-tokens', headers: AS_ADMIN, payload: { name: 'ops', role: 'operator' } })
    ).json();
    expect((await f.app.inject({ url: '/api/v1/checks', headers: bearer(other.token) })).statusCode).toBe(200);
    expect((await f.app.inject({ method: 'DELETE', url: `/api/v1/admin/api-tokens/${other.id}`, headers: AS_ADMIN })).statusCode).toBe(200);
    const revoked = await f.app.inject({ url: '/api/v1/checks', headers: bearer(other.token) });
    expect([revoked.statusCode, revoked.json().error.code]).toEqual([401, 'VIGIL_ERR_TOKEN_REVOKED']);
    expect((await f.app.inject({ method: 'DELETE', url: `/api/v1/admin/api-tokens/${other.id}`, headers: AS_ADMIN })).statusCode).toBe(404);
  });

  it('refuses a viewer or reporter without clients and an operator with clients, by code', async () => {
    f = await collectorFixture();
    for (const payload of [
      { name: 'x', role: 'viewer' },
      { name: 'x', role: 'reporter', clients: [] },
      { name: 'x', role: 'operator', clients: ['acme'] },
      { name: 'x', role: 'admin' },
    ]) {
      const r = await f.app.inject({ method: 'POST', url: '/api/v1/admin/api-tokens', headers: AS_ADMIN, payload });
      expect([r.statusCode, r.json().error.code], JSON.stringify(payload)).toEqual([400, 'VIGIL_ERR_BODY_INVALID']);
    }
  });

  it('the metrics scrape token reads /metrics and nothing else', async () => {
    f = await collectorFixture({ metrics: { token: 'scrape-token-0123456789abcdef' } });
    expect((await f.app.inject({ url: '/metrics', headers: bearer('scrape-token-0123456789abcdef') })).statusCode).toBe(200);
    expect((await f.app.inject({ url: '/metrics' })).statusCode).toBe(401);
    expect((await f.app.inject({ url: '/api/v1/checks', headers: bearer('scrape-token-0123456789abcdef') })).statusCode).toBe(403);
  });
});

describe('failed authentications', () => {
  it('lock a source out with 429 and Retry-After after authFailuresPerMinute; the lock ends with the minute; counted', async () => {
    f = await collectorFixture({ security: { authFailuresPerMinute: 5 } });
    for (let i = 0; i < 5; i++) expect((await f.app.inject({ url: '/api/v1/checks', headers: bearer(`vgt_guess-${i}`) })).statusCode).toBe(401);
    const locked = await f.app.inject({ url: '/api/v1/checks', headers: AS_ADMIN });
    expect([locked.statusCode, locked.json().error.code]).toEqual([429, 'VIGIL_ERR_RATE_LIMITED']);
    expect(Number(locked.headers['retry-after'])).toBe(60);
    f.clock.advance(60_001);
    expect((await f.app.inject({ url: '/api/v1/checks', headers: AS_ADMIN })).statusCode).toBe(200);
    expect(await f.metrics.registry.getSingleMetricAsString('vigil_http_refused_total')).toMatch(/reason="auth-limited"} 1/);
  });
});

describe('audit log', () => {
  it('records admin and operator actions with principal, time, what and from where; operators read it, viewers may not', async () => {
    f = await collectorFixture();
    const op = (
      await f.app.inject({ method: 'POST', url: '/api/v1/admin/api-tokens', headers: AS_ADMIN, payload: { name: 'night shift', role: 'operator' } })
    ).json();
    const viewer = (
      await f.app.inject({ method: 'POST', url: '/api/v1/admin/api-tokens', headers: AS_ADMIN, payload: { name: 'v', role: 'viewer', clients: ['acme'] } })
    ).json();
    const excl = await f.app.inject({
      method: 'POST',
      url: '/api/v1/admin/exclusions',
      headers: AS_ADMIN,
      payload: { clientId: 'acme', service: 'network', start: '2026-10-05T09:00:00Z', end: '2026-10-05T09:30:00Z', reason: 'vendor outage', addedBy: 'am' },
    });
    expect(excl.statusCode).toBe(201);
    const a = await f.enroll('site-a');
    for (let i = 0; i < 3; i++) {
      f.clock.advance(10_000);
      await f.ingest(a, [
        { check: 'fw-1', status: 'down' },
        { check: 'sw-1', status: 'down' },
      ]);
    }
    await f.engine.idle();
    const [incident] = await f.store.incidents.list({ kind: 'service-down' });
    const ack = await f.app.inject({ method: 'POST', url: `/api/v1/incidents/${incident!.id}/ack`, headers: bearer(op.token), payload: { by: 'kim' } });
    expect(ack.statusCode).toBe(200);
    expect((await f.app.inject({ url: '/api/v1/audit', headers: bearer(viewer.token) })).statusCode).toBe(403);
    const entries = (await f.app.inject({ url: '/api/v1/audit', headers: bearer(op.token) })).json().entries;
    expect(
      entries.map((e: { action: string; principal: string; source: string; client: string | null }) => [e.action, e.principal, e.source, e.client]),
    ).toEqual([
      ['incident.ack', `${op.id} (night shift)`, '127.0.0.1', 'acme'],
      ['enrollment-token.create', 'admin', '127.0.0.1', 'acme'],
      ['exclusion.add', 'admin', '127.0.0.1', 'acme'],
      ['api-token.create', 'admin', '127.0.0.1', null],
      ['api-token.create', 'admin', '127.0.0.1', null],
    ]);
    expect(entries[0].detail).toMatchObject({ by: 'kim', via: 'api' });
    expect(entries[2].detail).toMatchObject({ reason: 'vendor outage' });
    const mine = (await f.app.inject({ url: `/api/v1/audit?principal=admin&action=exclusion.add`, headers: AS_ADMIN })).json().entries;
    expect(mine).toHaveLength(1);
  });
});

describe('secret files', () => {
  it('refuses a secret file others can read, naming the fix; takes it at 0600', () => {
    const d = tempDir();
    try {
      const file = join(d.path, 'admin.token');
      writeFileSync(file, 'a-long-admin-token-0123456789\n', { mode: 0o644 });
      chmodSync(file, 0o644);
      const parse = () => parseCollectorConfig({ dataDir: d.path, adminTokenFile: file }, 'collector.yaml', d.path, {});
      expect(parse).toThrow(expect.objectContaining({ code: 'VIGIL_ERR_SECRET_FILE_OPEN', message: expect.stringContaining(`chmod 600 ${file}`) }));
      chmodSync(file, 0o600);
      expect(parse().adminToken).toBe('a-long-admin-token-0123456789');
      const ack = join(d.path, 'ack.key');
      writeFileSync(ack, 'ack-key-0123456789abcdef', { mode: 0o640 });
      chmodSync(ack, 0o640);
      expect(() => parseCollectorConfig({ dataDir: d.path, security: { ackSecretFile: ack } }, 'collector.yaml', d.path, {})).toThrow(
        expect.objectContaining({ code: 'VIGIL_ERR_SECRET_FILE_OPEN' }),
      );
      chmodSync(ack, 0o600);
      expect(parseCollectorConfig({ dataDir: d.path, security: { ackSecretFile: ack } }, 'collector.yaml', d.path, {}).ackSecret).toBe(
        'ack-key-0123456789abcdef',
      );
      expect(parseCollectorConfig({ dataDir: d.path }, 'collector.yaml', d.path, { VIGIL_ACK_SECRET: 'from-the-environment-0123' }).ackSecret).toBe(
        'from-the-environment-0123',
      );
    } finally {
      d.remove();
    }
  });
});

describe('database file', () => {
  it('is created 0600 in a 0700 directory, and a database others can read is refused at start, naming the fix', async () => {
    const d = tempDir();
    try {
      const dataDir = join(d.path, 'data');
      const fx = await collectorFixture({ dataDir }, undefined, { dir: { path: d.path, remove: () => undefined } });
      await fx.close(true);
      expect(statSync(dataDir).mode & 0o777).toBe(0o700);
      for (const f of readdirSync(dataDir)) expect(statSync(join(dataDir, f)).mode & 0o777, f).toBe(0o600);
      chmodSync(join(dataDir, 'vigil.db'), 0o644);
      await expect(SqliteStore.open(dataDir)).rejects.toMatchObject({ code: 'VIGIL_ERR_SECRET_FILE_OPEN', message: expect.stringContaining('chmod 600') });
    } finally {
      d.remove();
    }
  });
});

describe('source address', () => {
  it('takes X-Forwarded-For only from a trusted proxy, for the audit log and the lock-out', async () => {
    for (const [trusted, expected] of [
      [['127.0.0.1'], '203.0.113.9'],
      [[], '127.0.0.1'],
    ] as const) {
      const fx = await collectorFixture({ security: { trustedProxies: [...trusted] } });
      try {
        const r = await fx.app.inject({
          method: 'POST',
          url: '/api/v1/admin/api-tokens',
          headers: { ...AS_ADMIN, 'x-forwarded-for': '203.0.113.9' },
          payload: { name: 'x', role: 'operator' },
        });
        expect(r.statusCode).toBe(201);
        expect((await fx.store.audit.list())[0]!.source, `trusted ${trusted.join(',') || 'none'}`).toBe(expected);
      } finally {
        await fx.close();
      }
    }
  });
});

describe('the lock-out never stops', () => {
  it('agents (their 401s do not count either) nor callers with a generated API token; it stops admin-token guesses', async () => {
    f = await collectorFixture({ security: { authFailuresPerMinute: 3 } });
    const a = await f.enroll('site-a');
    const op = (await f.app.inject({ method: 'POST', url: '/api/v1/admin/api-tokens', headers: AS_ADMIN, payload: { name: 'noc', role: 'operator' } })).json();
    for (let i = 0; i < 5; i++) expect((await f.ingest({ ...a, token: 'f'.repeat(64) }, [{ check: 'fw-1', status: 'up' }])).statusCode).toBe(401);
    expect((await f.app.inject({ url: '/api/v1/checks', headers: AS_ADMIN })).statusCode).toBe(200); // agents' failures locked nobody out
    for (let i = 0; i < 3; i++) expect((await f.app.inject({ url: '/api/v1/checks', headers: bearer(`guess-${i}-0123456789abcdef`) })).statusCode).toBe(401);
    expect((await f.app.inject({ url: '/api/v1/checks', headers: AS_ADMIN })).statusCode).toBe(429);
    expect((await f.app.inject({ url: '/api/v1/checks', headers: bearer(op.token) })).statusCode).toBe(200);
    expect((await f.ingest(a, [{ check: 'fw-1', status: 'up' }])).statusCode).toBe(200);
    expect((await f.heartbeat(a, ['fw-1'])).statusCode).toBe(200);
  });
});
