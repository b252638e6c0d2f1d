import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { VigilError } from '../../shared/errors.js';
import type { AgentRow, Store } from './store/types.js';

export const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');

function bearer(req: FastifyRequest): string {
  const h = req.headers.authorization;
  if (!h || !h.startsWith('Bearer ')) throw new VigilError('UNAUTHENTICATED', 'missing bearer token (Authorization: Bearer …)');
  return h.slice(7).trim();
}

/** The agent behind a request's bearer token; 401 when missing, unknown or revoked. */
export async function agentOf(req: FastifyRequest, store: Store): Promise<AgentRow> {
  const agent = await store.agents.findByTokenHash(sha256(bearer(req)));
  if (!agent) throw new VigilError('UNAUTHENTICATED', 'unknown agent token');
  if (agent.revokedAt !== null) throw new VigilError('TOKEN_REVOKED', `agent ${agent.id} has been revoked`);
  return agent;
}

/** Checks the admin token in constant time; 401 otherwise (also when no admin token is configured). */
export function requireAdmin(req: FastifyRequest, adminToken: string | undefined): void {
  const given = bearer(req);
  if (!adminToken) throw new VigilError('UNAUTHENTICATED', 'no admin token is configured on this collector');
  const a = Buffer.from(sha256(given));
  const b = Buffer.from(sha256(adminToken));
  if (!timingSafeEqual(a, b)) throw new VigilError('UNAUTHENTICATED', 'invalid admin token');
}
