import type { FastifyRequest } from 'fastify';
import type { Clock } from '../../../shared/clock.js';
import type { Store } from '../store/types.js';
import { principalName } from './principal.js';

/**
 * Records an admin or operator action in the append-only audit log (store.audit): who (the
 * request's principal, or `as` for actions without one, e.g. a signed acknowledge link), when,
 * what, on what, for which client, and from where (the client address, trusted proxies resolved).
 */
export function auditor(store: Store, clock: Clock) {
  return (
    req: FastifyRequest,
    action: string,
    target: string,
    client: string | null,
    detail: Record<string, unknown> = {},
    as?: { principal: string; role: string },
  ): Promise<number> => {
    const p = req.principal;
    return store.audit.append({
      ts: clock.now(),
      principal: as?.principal ?? (p ? principalName(p) : 'anonymous'),
      role: as?.role ?? p?.role ?? 'none',
      action,
      target,
      client,
      source: req.ip,
      detail,
    });
  };
}
export type Auditor = ReturnType<typeof auditor>;
