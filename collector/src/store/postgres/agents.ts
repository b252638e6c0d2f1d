import { runtimeParams, spoolParams, toAgent, toToken } from '../rows.js';
import type { AgentStore } from '../types.js';
import type { Exec } from './exec.js';

export function pgAgents(x: Exec): AgentStore {
  const one = async <T>(p: Promise<{ rows: Record<string, unknown>[] }>, map: (r: Record<string, unknown>) => T) => {
    const r = (await p).rows[0];
    return r && map(r);
  };
  return {
    insertEnrollmentToken: async (t) => {
      await x.q(
        `INSERT INTO enrollment_tokens (id, token_hash, client_id, site_id, created_at, expires_at, max_uses, uses, revoked_at, note)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
        [t.id, t.tokenHash, t.clientId, t.siteId, t.createdAt, t.expiresAt, t.maxUses, t.uses, t.revokedAt, t.note],
      );
    },
    findEnrollmentTokenByHash: (hash) => one(x.q('SELECT * FROM enrollment_tokens WHERE token_hash = $1', [hash]), toToken),
    listEnrollmentTokens: async () => (await x.q('SELECT * FROM enrollment_tokens ORDER BY created_at, id')).rows.map(toToken),
    revokeEnrollmentToken: async (id, at) =>
      (await x.q('UPDATE enrollment_tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL', [at, id])).rowCount > 0,
    enroll: (tokenId, a) =>
      x.tx(async (t) => {
        // the row lock of this UPDATE serialises concurrent enrollments with one token
        const used = await t.q(
          `UPDATE enrollment_tokens SET uses = uses + 1
        WHERE id = $1 AND revoked_at IS NULL AND expires_at > $2 AND (max_uses IS NULL OR uses < max_uses)`,
          [tokenId, a.createdAt],
        );
        if (used.rowCount === 0) return false;
        await t.q('INSERT INTO agents (id, client_id, site_id, hostname, token_hash, created_at, reachable) VALUES ($1, $2, $3, $4, $5, $6, 1)', [
          a.id,
          a.clientId,
          a.siteId,
          a.hostname,
          a.tokenHash,
          a.createdAt,
        ]);
        return true;
      }),
    findByTokenHash: (hash) => one(x.q({ name: 'agent-by-hash', text: 'SELECT * FROM agents WHERE token_hash = $1' }, [hash]), toAgent),
    get: (id) => one(x.q('SELECT * FROM agents WHERE id = $1', [id]), toAgent),
    list: async (clients) =>
      (clients
        ? await x.q('SELECT * FROM agents WHERE client_id = ANY($1::text[]) ORDER BY id', [clients])
        : await x.q('SELECT * FROM agents ORDER BY id')
      ).rows.map(toAgent),
    revoke: async (id, at) => (await x.q('UPDATE agents SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL', [at, id])).rowCount > 0,
    touch: async (id, at, hb) => {
      await x.q(
        'UPDATE agents SET last_seen = GREATEST(COALESCE(last_seen, 0), $1), heartbeat_interval_ms = COALESCE($2, heartbeat_interval_ms) WHERE id = $3',
        [at, hb ?? null, id],
      );
    },
    setReachable: async (id, reachable) => {
      await x.q('UPDATE agents SET reachable = $1 WHERE id = $2', [reachable ? 1 : 0, id]);
    },
    recordSpool: async (id, stats, at) => {
      if (stats)
        await x.q(
          {
            name: 'agent-spool',
            text: `UPDATE agents SET spool_batches = $1, spool_bytes = $2, spool_oldest_age_seconds = $3, spool_dropped_batches = $4,
          spool_dropped_samples = $5, spool_corrupt_records = $6, spool_at = $7 WHERE id = $8 AND (spool_at IS NULL OR spool_at <= $7)`,
          },
          [...spoolParams(stats), at, id],
        );
      else
        await x.q(
          `UPDATE agents SET spool_batches = NULL, spool_bytes = NULL, spool_oldest_age_seconds = NULL, spool_dropped_batches = NULL,
          spool_dropped_samples = NULL, spool_corrupt_records = NULL, spool_at = NULL WHERE id = $1 AND spool_at <= $2`,
          [id, at],
        );
    },
    recordRuntime: async (id, r) => {
      await x.q(
        {
          name: 'agent-runtime',
          text: `UPDATE agents SET agent_version = $1, os = $2, started_at = $3, config_source = $4, config_version = $5, config_state = $6,
          config_rejected_version = $7, config_problems = $8, runtime_at = $9 WHERE id = $10 AND (runtime_at IS NULL OR runtime_at <= $9)`,
        },
        [...runtimeParams(r), id],
      );
    },
  };
}
