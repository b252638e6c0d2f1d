import type { Database } from 'better-sqlite3';
import { auditLimit, toApiToken, toAudit, type Raw } from '../rows.js';
import type { ApiTokenStore, AuditStore } from '../types.js';
import type { Run } from './gate.js';

export function sqliteApiTokens(db: Database, run: Run): ApiTokenStore {
  const insert = db.prepare(
    'INSERT INTO api_tokens (id, name, role, clients, token_hash, created_at, created_by, expires_at, revoked_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
  );
  const byHash = db.prepare('SELECT * FROM api_tokens WHERE token_hash = ?');
  const all = db.prepare('SELECT * FROM api_tokens ORDER BY created_at DESC, id');
  const revoke = db.prepare('UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL');
  return {
    create: (t) => run(() => void insert.run(t.id, t.name, t.role, JSON.stringify(t.clients), t.tokenHash, t.createdAt, t.createdBy, t.expiresAt, t.revokedAt)),
    byHash: (h) =>
      run(() => {
        const r = byHash.get(h) as Raw | undefined;
        return r && toApiToken(r);
      }),
    list: () => run(() => (all.all() as Raw[]).map(toApiToken)),
    revoke: (id, at) => run(() => revoke.run(at, id).changes === 1),
  };
}

export function sqliteAudit(db: Database, run: Run): AuditStore {
  const insert = db.prepare('INSERT INTO audit_log (ts, principal, role, action, target, client_id, source, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
  const list = db.prepare(
    `SELECT * FROM audit_log WHERE ts >= @from AND ts < @to AND (@principal IS NULL OR principal = @principal) AND (@action IS NULL OR action = @action)
       AND (@clients IS NULL OR client_id IN (SELECT value FROM json_each(@clients))) ORDER BY ts DESC, id DESC LIMIT @limit`,
  );
  return {
    append: (e) => run(() => Number(insert.run(e.ts, e.principal, e.role, e.action, e.target, e.client, e.source, JSON.stringify(e.detail)).lastInsertRowid)),
    list: (f = {}) =>
      run(() =>
        (
          list.all({
            from: f.from ?? 0,
            to: f.to ?? Number.MAX_SAFE_INTEGER,
            principal: f.principal ?? null,
            action: f.action ?? null,
            clients: f.clients ? JSON.stringify(f.clients) : null,
            limit: auditLimit(f.limit),
          }) as Raw[]
        ).map(toAudit),
      ),
  };
}
