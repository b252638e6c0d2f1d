import type { FastifyRequest } from 'fastify';

/**
 * The client portal's session cookie: it holds the API token the client signed in with, HttpOnly
 * (no script reads it), SameSite=Strict (no other site's page sends it), Path=/portal (the API
 * never takes it), Secure when the collector is reached over HTTPS. POSTs are also checked for a
 * same-origin Origin header (login CSRF, logout CSRF).
 */
export const SESSION_COOKIE = 'vigil_session';
const MAX_AGE_S = 8 * 3600;

export function sessionToken(req: FastifyRequest): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === SESSION_COOKIE) return decodeURIComponent(v.join('='));
  }
  return undefined;
}

const secure = (req: FastifyRequest) => (req.protocol === 'https' ? '; Secure' : '');

export function sessionCookie(req: FastifyRequest, token: string, expiresAt: number | null, now: number): string {
  const maxAge = Math.max(1, Math.min(MAX_AGE_S, expiresAt === null ? MAX_AGE_S : Math.floor((expiresAt - now) / 1000)));
  return `${SESSION_COOKIE}=${encodeURIComponent(token)}; Max-Age=${maxAge}; Path=/portal; HttpOnly; SameSite=Strict${secure(req)}`;
}

export function clearSession(req: FastifyRequest): string {
  return `${SESSION_COOKIE}=; Max-Age=0; Path=/portal; HttpOnly; SameSite=Strict${secure(req)}`;
}

/**
 * A POST from a page of this collector: browsers say so in Sec-Fetch-Site (then it must be
 * same-origin), else in an Origin header naming this host; a client that sends neither (curl, the
 * CLI) is no browser a forged page could drive.
 */
export function sameOrigin(req: FastifyRequest): boolean {
  const site = req.headers['sec-fetch-site'];
  if (site !== undefined) return site === 'same-origin';
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  try {
    return new URL(origin).host === req.headers.host;
  } catch {
    return false;
  }
}
