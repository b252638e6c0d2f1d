import type { Database } from 'better-sqlite3';
import { runtimeParams, spoolParams, toAgent, toToken, type Raw } from '../rows.js';
import type { AgentStore, EnrollmentTokenRow, NewAgent } from '../types.js';
import type { Run } from './gate.js';
import { inList } from './sql.js';

export function sqliteAgents(db: Database, run: Run): AgentStore {
  const s = {
    tokenInsert: db.prepare(`INSERT INTO enrollment_tokens (id, token_hash, client_id, site_id, created_at, expires_at, max_uses, uses, revoked_at, note)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
    tokenByHash: db.prepare('SELECT * FROM enrollment_tokens WHERE token_hash = ?'),
    tokens: db.prepare('SELECT * FROM enrollment_tokens ORDER BY created_at, id'),
    tokenRevoke: db.prepare('UPDATE enrollment_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL'),
    tokenUse: db.prepare(`UPDATE enrollment_tokens SET uses = uses + 1
      WHERE id = ? AND revoked_at IS NULL AND expires_at > ? AND (max_uses IS NULL OR uses < max_uses)`),
    agentInsert: db.prepare('INSERT INTO agents (id, client_id, site_id, hostname, token_hash, created_at, reachable) VALUES (?, ?, ?, ?, ?, ?, 1)'),
    byHash: db.prepare('SELECT * FROM agents WHERE token_hash = ?'),
    get: db.prepare('SELECT * FROM agents WHERE id = ?'),
    all: db.prepare('SELECT * FROM agents ORDER BY id'),
    revoke: db.prepare('UPDATE agents SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL'),
    touch: db.prepare(`UPDATE agents SET last_seen = MAX(COALESCE(last_seen, 0), ?), heartbeat_interval_ms = COALESCE(?, heartbeat_interval_ms) WHERE id = ?`),
    reachable: db.prepare('UPDATE agents SET reachable = ? WHERE id = ?'),
    spool: db.prepare(`UPDATE agents SET spool_batches = ?, spool_bytes = ?, spool_oldest_age_seconds = ?, spool_dropped_batches = ?,
      spool_dropped_samples = ?, spool_corrupt_records = ?, spool_at = ? WHERE id = ? AND (spool_at IS NULL OR spool_at <= ?)`),
    spoolClear: db.prepare(`UPDATE agents SET spool_batches = NULL, spool_bytes = NULL, spool_oldest_age_seconds = NULL, spool_dropped_batches = NULL,
      spool_dropped_samples = NULL, spool_corrupt_records = NULL, spool_at = NULL WHERE id = ? AND spool_at <= ?`),
    runtime: db.prepare(`UPDATE agents SET agent_version = ?, os = ?, started_at = ?, config_source = ?, config_version = ?, config_state = ?,
      config_rejected_version = ?, config_problems = ?, runtime_at = ? WHERE id = ? AND (runtime_at IS NULL OR runtime_at <= ?)`),
  };
  const enroll = db.transaction((tokenId: string, a: NewAgent) => {
    if (s.tokenUse.run(tokenId, a.createdAt).changes === 0) return false;
    s.agentInsert.run(a.id, a.clientId, a.siteId, a.hostname, a.tokenHash, a.createdAt);
    return true;
  });
  return {
    insertEnrollmentToken: (t: EnrollmentTokenRow) =>
      run(() => void s.tokenInsert.run(t.id, t.tokenHash, t.clientId, t.siteId, t.createdAt, t.expiresAt, t.maxUses, t.uses, t.revokedAt, t.note)),
    findEnrollmentTokenByHash: (hash) =>
      run(() => {
        const r = s.tokenByHash.get(hash) as Raw | undefined;
        return r && toToken(r);
      }),
    listEnrollmentTokens: () => run(() => (s.tokens.all() as Raw[]).map(toToken)),
    revokeEnrollmentToken: (id, at) => run(() => s.tokenRevoke.run(at, id).changes > 0),
    enroll: (tokenId, a) => run(() => enroll(tokenId, a)),
    findByTokenHash: (hash) =>
      run(() => {
        const r = s.byHash.get(hash) as Raw | undefined;
        return r && toAgent(r);
      }),
    get: (id) =>
      run(() => {
        const r = s.get.get(id) as Raw | undefined;
        return r && toAgent(r);
      }),
    list: (clients) =>
      run(() => {
        if (!clients) return (s.all.all() as Raw[]).map(toAgent);
        const [sql, args] = inList('client_id', clients);
        return (db.prepare(`SELECT * FROM agents WHERE ${sql} ORDER BY id`).all(...args) as Raw[]).map(toAgent);
      }),
    revoke: (id, at) => run(() => s.revoke.run(at, id).changes > 0),
    touch: (id, at, hb) => run(() => void s.touch.run(at, hb ?? null, id)),
    setReachable: (id, reachable) => run(() => void s.reachable.run(reachable ? 1 : 0, id)),
    recordSpool: (id, stats, at) => run(() => void (stats ? s.spool.run(...spoolParams(stats), at, id, at) : s.spoolClear.run(id, at))),
    recordRuntime: (id, r) => run(() => void s.runtime.run(...runtimeParams(r), id, r.at)),
  };
}
