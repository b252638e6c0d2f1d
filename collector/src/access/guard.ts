import type { FastifyRequest } from 'fastify';
import type { Clock } from '../../../shared/clock.js';
import { VigilError } from '../../../shared/errors.js';
import type { VigilFastify } from '../app-context.js';
import type { Principals } from './api-tokens.js';
import { type Access, allows, type Principal } from './principal.js';
import { clearSession, sessionToken } from './session.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: Access;
  }
  interface FastifyRequest {
    principal?: Principal;
  }
}

const MAX_SOURCES = 100_000;

/**
 * Failed authentications (answers 401) per source address in a sliding minute; past `perMinute`,
 * every request from that address answers 429 with Retry-After until the minute has passed.
 */
export class AuthFailures {
  private readonly bySource = new Map<string, number[]>();
  constructor(
    private readonly clock: Clock,
    private readonly perMinute: number,
  ) {}

  /** Seconds the source must wait, or 0. */
  waitSeconds(source: string): number {
    const times = this.recent(source);
    return times.length >= this.perMinute ? Math.max(1, Math.ceil((times[0]! + 60_000 - this.clock.now()) / 1000)) : 0;
  }

  note(source: string): void {
    if (this.bySource.size >= MAX_SOURCES) this.bySource.clear();
    const times = this.recent(source);
    times.push(this.clock.now());
    // the newest perMinute are all the lock needs (its end is when the oldest of them ages out): a flood
    // of failures from one address keeps a bounded list, not one entry per attempt
    this.bySource.set(source, times.length > this.perMinute ? times.slice(-this.perMinute) : times);
  }

  private recent(source: string): number[] {
    const since = this.clock.now() - 60_000;
    const times = (this.bySource.get(source) ?? []).filter((t) => t > since);
    if (times.length === 0) this.bySource.delete(source);
    return times;
  }
}

/**
 * Every route declares what it needs (`config.access`, see principal.ts); a route without it is
 * refused when it is added. Before the body is read, the bearer token becomes a principal and is
 * held to the route's access; the handler scopes what it reads by `principalOf(req)`.
 */
export function installGuard(app: VigilFastify, principals: Principals, failures: AuthFailures, onLimited: () => void): RouteAccess[] {
  const routes: RouteAccess[] = [];
  app.addHook('onRoute', (r) => {
    const access = r.config?.access;
    if (!access) throw new Error(`route ${String(r.method)} ${r.url} declares no access (config: { access })`);
    for (const method of [r.method].flat()) routes.push({ method: String(method), url: r.url, access });
  });
  app.addHook('onRequest', async (req, reply) => {
    const access = req.routeOptions.config?.access;
    // Agents (256-bit generated tokens, often many behind one NAT) are never locked out and never lock
    // anyone out; neither is a load balancer's /healthz. A locked-out address still gets through with a
    // generated API token (vgt_…, not guessable): the lock guards the configured secrets (admin, metrics).
    if (access === 'agent' || req.routeOptions.url === '/healthz') return;
    const wait = failures.waitSeconds(req.ip);
    if (wait > 0 && !presentsGeneratedToken(req)) {
      onLimited();
      reply.header('retry-after', String(wait));
      throw new VigilError('RATE_LIMITED', `too many failed authentications from ${req.ip}; retry in ${wait} s`);
    }
    if (access === undefined || access === 'public') return;
    if (access === 'portal') {
      // the portal's session: its cookie holds the token; without a valid one, the login page
      const token = sessionToken(req);
      const p = token === undefined ? undefined : await principals.resolve(token).catch(() => undefined);
      if (token !== undefined && !p) failures.note(req.ip); // a guessed cookie counts as a failed sign-in
      if (!p || !allows('portal', p)) return reply.header('set-cookie', clearSession(req)).redirect('/portal/login', 303);
      req.principal = p;
      return;
    }
    const p = await principals.resolve(bearerOf(req));
    if (!allows(access, p)) throw new VigilError('FORBIDDEN', `a ${p.role} token cannot use ${req.method} ${req.routeOptions.url} (needs ${access})`);
    req.principal = p;
  });
  app.addHook('onResponse', async (req, reply) => {
    if (reply.statusCode === 401 && req.routeOptions.config?.access !== 'agent') failures.note(req.ip);
  });
  return routes;
}

/** A route of the app as fastify added it, with the access it declared (the route-walk test walks them all). */
export interface RouteAccess {
  method: string;
  url: string;
  access: Access;
}

/** A bearer or session token of the generated kind (vgt_ + 256 random bits). */
function presentsGeneratedToken(req: FastifyRequest): boolean {
  const h = req.headers.authorization;
  return (h?.startsWith('Bearer vgt_') ?? false) || (sessionToken(req)?.startsWith('vgt_') ?? false);
}

function bearerOf(req: FastifyRequest): string {
  const h = req.headers.authorization;
  if (h?.startsWith('Bearer ')) return h.slice(7).trim();
  throw new VigilError('UNAUTHENTICATED', 'this route needs a token (Authorization: Bearer …)');
}

/** The principal the guard resolved for this request. */
export function principalOf(req: FastifyRequest): Principal {
  if (!req.principal) throw new VigilError('INTERNAL', `no principal on ${req.method} ${req.url}: the route's access is not checked`);
  return req.principal;
}
