import BetterSqlite3 from 'better-sqlite3';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AS_ADMIN, collectorFixture } from '../../unit/collector/fixture.js';
import { tempDir } from '../../helpers/net.js';

/**
 * POST /api/v1/admin/backup: the running collector's backup as the response body — a whole
 * Vigil database with what was stored when it was taken, the action audited, nothing left in
 * the data dir; only the admin may take it.
 */
const dir = tempDir();
const out = tempDir();
let f: Awaited<ReturnType<typeof collectorFixture>>;
beforeAll(async () => {
  f = await collectorFixture({}, undefined, { dir });
});
afterAll(async () => {
  await f?.close();
  dir.remove();
  out.remove();
});

describe('POST /api/v1/admin/backup', () => {
  it('sends a consistent copy of the database taken while ingest goes on, audited, leaving nothing behind', async () => {
    const a = await f.enroll('edge-1');
    for (let i = 0; i < 20; i++) {
      f.clock.advance(10_000);
      expect((await f.ingest(a, [{ check: 'fw-1', status: i >= 10 && i < 14 ? 'down' : 'up' }])).statusCode).toBe(200);
    }
    // a batch in flight while the backup is taken: either in it or not, never half
    const during = f.ingest(a, [
      { check: 'fw-1', status: 'up', ts: f.clock.now() + 1 },
      { check: 'sw-1', status: 'up', ts: f.clock.now() + 2 },
    ]);
    const res = await f.app.inject({ method: 'POST', url: '/api/v1/admin/backup', headers: AS_ADMIN });
    expect((await during).statusCode).toBe(200);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/vnd.sqlite3');
    expect(res.headers['content-disposition']).toBe('attachment; filename="vigil-backup-20261005T100320Z.db"');
    const file = join(out.path, 'download.db');
    writeFileSync(file, res.rawPayload);
    expect(Number(res.headers['content-length'])).toBe(res.rawPayload.length);
    const db = new BetterSqlite3(file, { readonly: true });
    try {
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      expect(db.pragma('journal_mode', { simple: true })).toBe('delete');
      expect(res.headers['x-vigil-schema-version']).toBe(String((db.prepare('SELECT version FROM schema_version').get() as { version: number }).version));
      const n = (db.prepare("SELECT COUNT(*) AS n FROM results WHERE check_id = 'fw-1'").get() as { n: number }).n;
      const sw = (db.prepare("SELECT COUNT(*) AS n FROM results WHERE check_id = 'sw-1'").get() as { n: number }).n;
      // the 20 batches before it, and the one in flight wholly or not at all
      expect([20, 21]).toContain(n);
      expect(sw).toBe(n - 20);
      expect(db.prepare("SELECT state FROM transitions WHERE check_id = 'fw-1' ORDER BY ts").all()).toEqual([
        { state: 'up' },
        { state: 'down' },
        { state: 'up' },
      ]);
    } finally {
      db.close();
    }
    expect(readdirSync(dir.path).filter((x) => !x.startsWith('vigil.db'))).toEqual([]);
    const audit = (await f.app.inject({ method: 'GET', url: '/api/v1/audit?action=store.backup', headers: AS_ADMIN })).json();
    expect(audit.entries).toMatchObject([{ action: 'store.backup', principal: 'admin' }]);
  });

  it('is the admin’s only', async () => {
    const t = (
      await f.app.inject({ method: 'POST', url: '/api/v1/admin/api-tokens', headers: AS_ADMIN, payload: { name: 'noc', role: 'operator', clients: [] } })
    ).json().token as string;
    const res = await f.app.inject({ method: 'POST', url: '/api/v1/admin/backup', headers: { authorization: `Bearer ${t}` } });
    expect(res.statusCode).toBe(403);
    expect(res.json().error.code).toBe('VIGIL_ERR_FORBIDDEN');
  });
});
