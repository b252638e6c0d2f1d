import type { Database } from 'better-sqlite3';
import { auditLimit, toApiToken, toArchived, toAudit, type Raw } from '../rows.js';
import type { ApiTokenStore, ArchivedReport, AuditStore, ReportArchive } from '../types.js';
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

export function sqliteReportArchive(db: Database, run: Run): ReportArchive {
  const next = db.prepare('SELECT coalesce(max(version), 0) + 1 AS v FROM report_archive WHERE client_id = ? AND period = ?');
  const insert = db.prepare(
    'INSERT INTO report_archive (client_id, period, version, issued_at, issued_by, reason, status, sha256, json) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
  );
  const cols = 'id, client_id, period, version, issued_at, issued_by, reason, status, sha256';
  const list = db.prepare(
    `SELECT ${cols} FROM report_archive WHERE client_id = @client AND (@period IS NULL OR period = @period) ORDER BY issued_at DESC, id DESC`,
  );
  const get = db.prepare('SELECT * FROM report_archive WHERE id = ?');
  // one statement pair in one synchronous turn: no other writer gets between the max and the insert
  const add = db.transaction((r: Omit<ArchivedReport, 'id' | 'version'>) => {
    const version = (next.get(r.client, r.period) as { v: number }).v;
    const id = Number(insert.run(r.client, r.period, version, r.issuedAt, r.issuedBy, r.reason, r.status, r.sha256, r.json).lastInsertRowid);
    return { ...r, id, version };
  });
  return {
    // inside an open transaction (store.transaction) better-sqlite3 makes the nested one a savepoint
    add: (r) => run(() => (db.inTransaction ? add(r) : add.immediate(r))),
    list: (client, period) =>
      run(() =>
        (list.all({ client, period: period ?? null }) as Raw[]).map((x) => {
          const { json: _, ...rest } = toArchived(x);
          return rest;
        }),
      ),
    get: (id) =>
      run(() => {
        const r = get.get(id) as Raw | undefined;
        return r && toArchived(r);
      }),
  };
}
