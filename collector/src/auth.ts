import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { VigilError } from '../../shared/errors.js';

export const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');

export function bearer(req: FastifyRequest): string {
  const h = req.headers.authorization;
  if (!h || !h.startsWith('Bearer ')) throw new VigilError('UNAUTHENTICATED', 'missing bearer token (Authorization: Bearer …)');
  return h.slice(7).trim();
}

/** Checks the admin token in constant time; 401 otherwise (also when no admin token is configured). */
export function requireAdmin(req: FastifyRequest, adminToken: string | undefined): void {
  const given = bearer(req);
  if (!adminToken) throw new VigilError('UNAUTHENTICATED', 'no admin token is configured on this collector');
  const a = Buffer.from(sha256(given));
  const b = Buffer.from(sha256(adminToken));
  if (!timingSafeEqual(a, b)) throw new VigilError('UNAUTHENTICATED', 'invalid admin token');
}
