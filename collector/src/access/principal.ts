import { VigilError } from '../../../shared/errors.js';
import type { ApiRole } from '../store/types.js';

/**
 * Who is calling. `admin`: the configured admin token; `token`: a named API token (operator,
 * viewer, reporter); `metrics`: the scrape token, good for /metrics only.
 */
export type Principal =
  | { kind: 'admin'; id: 'admin'; role: 'admin' }
  | { kind: 'metrics'; id: 'metrics'; role: 'metrics' }
  | { kind: 'token'; id: string; name: string; role: ApiRole; clients: readonly string[]; expiresAt: number | null };

/**
 * What a route needs, declared on every route (`config: { access }`; a route without one is refused
 * when it is added, so none can be forgotten):
 *  - public: nothing (health, enrollment with its own token, the signed acknowledge page, portal login);
 *  - agent: an agent token, checked by the route (ingest, heartbeat);
 *  - metrics: the scrape token, an operator or the admin;
 *  - report: a reporter, viewer, operator or the admin — scoped to the principal's clients;
 *  - read: a viewer, operator or the admin — scoped to the principal's clients;
 *  - operator: an operator or the admin (acknowledging incidents, the audit log);
 *  - admin: the admin token;
 *  - portal: the client portal's session cookie (a viewer, reporter, operator or admin token), else a redirect to its login.
 */
export type Access = 'public' | 'agent' | 'metrics' | 'report' | 'read' | 'operator' | 'admin' | 'portal';

const ALLOWED: Record<Exclude<Access, 'public' | 'agent'>, ReadonlyArray<Principal['role']>> = {
  portal: ['admin', 'operator', 'viewer', 'reporter'],
  metrics: ['admin', 'operator', 'metrics'],
  report: ['admin', 'operator', 'viewer', 'reporter'],
  read: ['admin', 'operator', 'viewer'],
  operator: ['admin', 'operator'],
  admin: ['admin'],
};

export function allows(access: Exclude<Access, 'public' | 'agent'>, p: Principal): boolean {
  return ALLOWED[access].includes(p.role);
}

/** The clients a principal may see; undefined: every client (admin, operator). */
export function clientsOf(p: Principal): readonly string[] | undefined {
  return p.kind === 'token' && p.role !== 'operator' ? p.clients : p.kind === 'metrics' ? [] : undefined;
}

/** May `p` see `client`'s data? */
export function seesClient(p: Principal, client: string): boolean {
  const mine = clientsOf(p);
  return mine === undefined || mine.includes(client);
}

/** 403 unless `p` may see `client`. */
export function requireClient(p: Principal, client: string): void {
  if (!seesClient(p, client)) throw new VigilError('FORBIDDEN', `this token does not give access to client ${client}`);
}

/**
 * The client filter of a list query: the one asked for (403 when not the principal's), else the
 * principal's clients; undefined: no filter (every client).
 */
export function scopeFor(p: Principal, asked?: string): string[] | undefined {
  if (asked !== undefined) {
    requireClient(p, asked);
    return [asked];
  }
  const mine = clientsOf(p);
  return mine === undefined ? undefined : [...mine];
}

/** A principal's name in the audit log and in `whoami`. */
export const principalName = (p: Principal): string => (p.kind === 'token' ? `${p.id} (${p.name})` : p.id);

/** The clients with an SLA definition that `p` may see, sorted. */
export const visibleClients = (p: Principal, defs: ReadonlyArray<{ client: string }>): string[] =>
  [...new Set(defs.map((d) => d.client))].filter((c) => seesClient(p, c)).sort();
