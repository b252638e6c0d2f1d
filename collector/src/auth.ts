import { createHash } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { VigilError } from '../../shared/errors.js';

export const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');

export function bearer(req: FastifyRequest): string {
  const h = req.headers.authorization;
  if (!h || !h.startsWith('Bearer ')) throw new VigilError('UNAUTHENTICATED', 'missing bearer token (Authorization: Bearer …)');
  return h.slice(7).trim();
}
