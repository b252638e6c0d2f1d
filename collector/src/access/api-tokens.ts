import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { Clock } from '../../../shared/clock.js';
import { VigilError } from '../../../shared/errors.js';
import { sha256 } from '../auth.js';
import type { ApiRole, ApiTokenRow, Store } from '../store/types.js';
import type { Principal } from './principal.js';

/** API token secrets: `vgt_` and 32 random bytes (base64url); the id is public (`tok_…`). */
const PREFIX = 'vgt_';
const MAX_CACHE = 10_000;

export interface NewApiToken {
  name: string;
  role: ApiRole;
  clients: string[];
  ttlSeconds?: number;
  createdBy: string;
}

/**
 * Bearer tokens → principals: the admin token, the metrics scrape token, and the named API tokens
 * of the store (only their SHA-256 is kept). Lookups of API tokens are cached for `ttlMs`; a
 * revocation through this collector takes effect at once, one on another collector sharing the
 * database within `ttlMs`. An expired or revoked token is refused with its own code.
 */
export class Principals {
  private readonly cache = new Map<string, { row: ApiTokenRow | undefined; until: number }>();
  private readonly admin: Buffer | undefined;
  private readonly metrics: Buffer | undefined;

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    secrets: { adminToken?: string | undefined; metricsToken?: string | undefined },
    private readonly ttlMs = 5000,
  ) {
    this.admin = secrets.adminToken ? Buffer.from(sha256(secrets.adminToken)) : undefined;
    this.metrics = secrets.metricsToken ? Buffer.from(sha256(secrets.metricsToken)) : undefined;
  }

  /** The principal behind a bearer token; 401 (coded) when it is unknown, revoked or expired. */
  async resolve(token: string): Promise<Principal> {
    const hash = sha256(token);
    const h = Buffer.from(hash);
    if (this.admin && timingSafeEqual(h, this.admin)) return { kind: 'admin', id: 'admin', role: 'admin' };
    if (this.metrics && timingSafeEqual(h, this.metrics)) return { kind: 'metrics', id: 'metrics', role: 'metrics' };
    if (!token.startsWith(PREFIX)) throw new VigilError('UNAUTHENTICATED', 'unknown token');
    const now = this.clock.now();
    let hit = this.cache.get(hash);
    if (!hit || hit.until <= now) {
      if (this.cache.size >= MAX_CACHE) this.cache.clear();
      hit = { row: await this.store.apiTokens.byHash(hash), until: now + this.ttlMs };
      this.cache.set(hash, hit);
    }
    const row = hit.row;
    if (!row) throw new VigilError('UNAUTHENTICATED', 'unknown token');
    if (row.revokedAt !== null) throw new VigilError('TOKEN_REVOKED', `API token ${row.id} has been revoked`);
    if (row.expiresAt !== null && row.expiresAt <= now)
      throw new VigilError('TOKEN_EXPIRED', `API token ${row.id} expired at ${new Date(row.expiresAt).toISOString()}`);
    return { kind: 'token', id: row.id, name: row.name, role: row.role, clients: row.clients, expiresAt: row.expiresAt };
  }

  /** Creates a token; the secret is in the answer only (shown once), the store keeps its hash. */
  async create(t: NewApiToken): Promise<{ token: string; row: ApiTokenRow }> {
    if (t.role !== 'operator' && t.clients.length === 0)
      throw new VigilError('BODY_INVALID', `a ${t.role} token needs at least one client (--client C)`, [{ path: '/clients', message: 'empty' }]);
    if (t.role === 'operator' && t.clients.length > 0)
      throw new VigilError('BODY_INVALID', 'an operator token reads every client: leave the clients out', [{ path: '/clients', message: 'not empty' }]);
    const token = PREFIX + randomBytes(32).toString('base64url');
    const now = this.clock.now();
    const row: ApiTokenRow = {
      id: `tok_${randomBytes(6).toString('hex')}`,
      name: t.name,
      role: t.role,
      clients: [...new Set(t.clients)].sort(),
      tokenHash: sha256(token),
      createdAt: now,
      createdBy: t.createdBy,
      expiresAt: t.ttlSeconds === undefined ? null : now + t.ttlSeconds * 1000,
      revokedAt: null,
    };
    await this.store.apiTokens.create(row);
    return { token, row };
  }

  async revoke(id: string): Promise<boolean> {
    const done = await this.store.apiTokens.revoke(id, this.clock.now());
    for (const [hash, e] of this.cache) if (e.row?.id === id) this.cache.delete(hash);
    return done;
  }
}

/** A token row as the API shows it: never the hash. */
export const tokenView = (r: ApiTokenRow, now: number) => ({
  id: r.id,
  name: r.name,
  role: r.role,
  clients: r.clients,
  createdAt: r.createdAt,
  createdBy: r.createdBy,
  expiresAt: r.expiresAt,
  revokedAt: r.revokedAt,
  status: r.revokedAt !== null ? 'revoked' : r.expiresAt !== null && r.expiresAt <= now ? 'expired' : 'active',
});
