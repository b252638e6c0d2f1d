import { auditLimit, toApiToken, toArchived, toAudit } from '../rows.js';
import type { ApiTokenStore, AuditStore, ReportArchive } from '../types.js';
import type { Exec } from './exec.js';

export function pgApiTokens(x: Exec): ApiTokenStore {
  return {
    create: async (t) =>
      void (await x.q(
        `INSERT INTO api_tokens (id, name, role, clients, token_hash, created_at, created_by, expires_at, revoked_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
        [t.id, t.name, t.role, JSON.stringify(t.clients), t.tokenHash, t.createdAt, t.createdBy, t.expiresAt, t.revokedAt],
      )),
    byHash: async (h) => {
      const r = (await x.q('SELECT * FROM api_tokens WHERE token_hash = $1', [h])).rows[0];
      return r && toApiToken(r);
    },
    list: async () => (await x.q('SELECT * FROM api_tokens ORDER BY created_at DESC, id')).rows.map(toApiToken),
    revoke: async (id, at) => ((await x.q('UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL', [at, id])).rowCount ?? 0) === 1,
  };
}

export function pgAudit(x: Exec): AuditStore {
  return {
    append: async (e) =>
      Number(
        (
          await x.q(
            `INSERT INTO audit_log (ts, principal, role, action, target, client_id, source, detail) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
            [e.ts, e.principal, e.role, e.action, e.target, e.client, e.source, JSON.stringify(e.detail)],
          )
        ).rows[0]!.id,
      ),
    list: async (f = {}) =>
      (
        await x.q(
          `SELECT * FROM audit_log WHERE ts >= $1 AND ts < $2 AND ($3::text IS NULL OR principal = $3) AND ($4::text IS NULL OR action = $4)
             AND ($5::text[] IS NULL OR client_id = ANY($5::text[])) ORDER BY ts DESC, id DESC LIMIT $6`,
          [f.from ?? 0, f.to ?? Number.MAX_SAFE_INTEGER, f.principal ?? null, f.action ?? null, f.clients ? [...f.clients] : null, auditLimit(f.limit)],
        )
      ).rows.map(toAudit),
  };
}

export function pgReportArchive(x: Exec): ReportArchive {
  const cols = 'id, client_id, period, version, issued_at, issued_by, reason, status, sha256';
  return {
    // the version comes from the row count under the (client, period) unique key: a racing issuer retries once
    add: async (r) => {
      for (let attempt = 0; ; attempt++) {
        try {
          const row = (
            await x.q(
              `INSERT INTO report_archive (client_id, period, version, issued_at, issued_by, reason, status, sha256, json)
               SELECT $1, $2, coalesce(max(version), 0) + 1, $3, $4, $5, $6, $7, $8 FROM report_archive WHERE client_id = $1 AND period = $2
               RETURNING id, version`,
              [r.client, r.period, r.issuedAt, r.issuedBy, r.reason, r.status, r.sha256, r.json],
            )
          ).rows[0]!;
          return { ...r, id: Number(row.id), version: Number(row.version) };
        } catch (e) {
          if ((e as { code?: string }).code !== '23505' || attempt >= 5) throw e;
        }
      }
    },
    list: async (client, period) =>
      (
        await x.q(`SELECT ${cols} FROM report_archive WHERE client_id = $1 AND ($2::text IS NULL OR period = $2) ORDER BY issued_at DESC, id DESC`, [
          client,
          period ?? null,
        ])
      ).rows.map((row) => {
        const { json: _, ...rest } = toArchived(row);
        return rest;
      }),
    get: async (id) => {
      const row = (await x.q('SELECT * FROM report_archive WHERE id = $1', [id])).rows[0];
      return row && toArchived(row);
    },
  };
}
