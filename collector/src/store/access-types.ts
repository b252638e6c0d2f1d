/**
 * The access aggregate of the Store contract: named API tokens (only a hash kept) and the
 * append-only audit log of admin and operator actions.
 */
export type ApiRole = 'operator' | 'viewer' | 'reporter';

export interface ApiTokenRow {
  /** Public id (`tok_…`), shown in lists and the audit log; the secret is never stored. */
  id: string;
  name: string;
  role: ApiRole;
  /** Clients the token may read (viewer, reporter); empty for an operator (all clients). */
  clients: string[];
  /** SHA-256 of the secret token (hex). */
  tokenHash: string;
  createdAt: number;
  /** Principal that created it (`admin`, or a token id). */
  createdBy: string;
  /** Not accepted from this time on; null = no expiry. */
  expiresAt: number | null;
  revokedAt: number | null;
}

export interface ApiTokenStore {
  create(t: ApiTokenRow): Promise<void>;
  byHash(tokenHash: string): Promise<ApiTokenRow | undefined>;
  /** Every token, newest first (revoked and expired ones too: the list shows them as such). */
  list(): Promise<ApiTokenRow[]>;
  /** Revokes an active token; false when there is none by that id (or it is revoked already). */
  revoke(id: string, at: number): Promise<boolean>;
}

export interface AuditEntry {
  id: number;
  ts: number;
  /** Who: `admin`, `tok_…` (an API token), `agent:<id>`, or `link` (a signed acknowledge link). */
  principal: string;
  role: string;
  /** What, as `noun.verb`: `api-token.create`, `exclusion.add`, `incident.ack`, `definitions.reload` … */
  action: string;
  /** The object acted on (token id, `client/service`, incident id …). */
  target: string;
  /** The client the action concerns, when there is one (a viewer's audit list is filtered by it). */
  client: string | null;
  /** From where: the client address as the collector saw it (trusted proxies resolved). */
  source: string;
  detail: Record<string, unknown>;
}

export interface AuditFilter {
  from?: number;
  to?: number;
  principal?: string;
  action?: string;
  /** Only entries of these clients (entries without a client are left out). */
  clients?: readonly string[];
  /** Newest first, at most this many (default 100, at most 10,000). */
  limit?: number;
}

/** Append-only: the engines refuse UPDATE and DELETE on the table itself (a trigger), not only this interface. */
export interface AuditStore {
  append(e: Omit<AuditEntry, 'id'>): Promise<number>;
  list(f?: AuditFilter): Promise<AuditEntry[]>;
}

/** An issued report, archived as it was sent: never changed; a re-issue adds a version. */
export interface ArchivedReport {
  id: number;
  client: string;
  /** Period label, e.g. 2026-10. */
  period: string;
  /** 1 for the first issue of (client, period), then 2, 3 … */
  version: number;
  issuedAt: number;
  /** Principal that issued it (`schedule` for the scheduler). */
  issuedBy: string;
  /** Why it was issued again (null for the first). */
  reason: string | null;
  status: 'provisional' | 'final';
  sha256: string;
  /** The signed JSON, exactly as issued. */
  json: string;
}

export interface ReportArchive {
  /** Archives the next version of (client, period); returns it. Two issuers at once get two versions, never the same one. */
  add(r: Omit<ArchivedReport, 'id' | 'version'>): Promise<ArchivedReport>;
  /** Versions of a client's reports, newest first (without their JSON when `withJson` is false). */
  list(client: string, period?: string): Promise<Array<Omit<ArchivedReport, 'json'>>>;
  get(id: number): Promise<ArchivedReport | undefined>;
}
