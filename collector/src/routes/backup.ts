import { randomBytes } from 'node:crypto';
import { createReadStream, rmSync } from 'node:fs';
import { once } from 'node:events';
import { join } from 'node:path';
import type { AppContext, VigilFastify } from '../app-context.js';

/** `2026-10-02T03:15:00.000Z` → `20261002T031500Z`, for the file name the download suggests. */
const stamp = (ms: number) =>
  new Date(ms)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');

/**
 * `POST /api/v1/admin/backup` (admin): the same consistent backup as `vigil collector backup`,
 * taken by the running collector and sent as the response body (application/vnd.sqlite3), for a
 * collector whose disk the operator cannot reach (a container). The copy is made in the 0700
 * data dir and unlinked as soon as it is open for sending, so nothing is left behind however
 * the download ends. PostgreSQL answers 501 VIGIL_ERR_BACKUP_UNSUPPORTED (pg_dump).
 */
export function backupRoutes(app: VigilFastify, ctx: AppContext): void {
  app.post('/api/v1/admin/backup', { config: { access: 'admin' } }, async (req, reply) => {
    const tmp = join(ctx.config.dataDir, `.download-${process.pid}-${randomBytes(6).toString('hex')}.db`);
    const r = await ctx.store.backup(tmp);
    const file = createReadStream(tmp);
    try {
      await once(file, 'open');
    } finally {
      rmSync(tmp, { force: true });
    }
    await ctx.audit(req, 'store.backup', ctx.store.location, null, { bytes: r.bytes, schemaVersion: r.schemaVersion, lastResultAt: r.lastResultAt });
    return reply
      .header('content-type', 'application/vnd.sqlite3')
      .header('content-length', String(r.bytes))
      .header('content-disposition', `attachment; filename="vigil-backup-${stamp(ctx.clock.now())}.db"`)
      .header('x-vigil-schema-version', String(r.schemaVersion))
      .send(file);
  });
}
