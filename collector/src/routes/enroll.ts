import { randomBytes, randomUUID } from 'node:crypto';
import { VigilError } from '../../../shared/errors.js';
import { CreateEnrollmentTokenRequest, EnrollRequest, EnrollResponse } from '../../../shared/protocol/v1/enroll.js';
import { sha256 } from '../auth.js';
import type { EnrollmentTokenRow } from '../store/types.js';
import type { AppContext, VigilFastify } from '../app-context.js';
import { advertisedLimits } from '../ingest/advertised-limits.js';
import { agentIdFor } from '../ingest/agent-id.js';

const info = (t: EnrollmentTokenRow) => ({
  id: t.id,
  clientId: t.clientId,
  siteId: t.siteId,
  createdAt: t.createdAt,
  expiresAt: t.expiresAt,
  maxUses: t.maxUses,
  uses: t.uses,
  revokedAt: t.revokedAt,
  note: t.note,
});

/** Enrollment tokens (admin) and agent enrollment. */
export function enrollRoutes(app: VigilFastify, ctx: AppContext): void {
  app.post('/api/v1/admin/enrollment-tokens', { config: { access: 'admin' }, schema: { body: CreateEnrollmentTokenRequest } }, async (req, reply) => {
    const now = ctx.clock.now();
    const token = `vet_${randomBytes(24).toString('hex')}`;
    const row: EnrollmentTokenRow = {
      id: randomUUID(),
      tokenHash: sha256(token),
      clientId: req.body.clientId,
      siteId: req.body.siteId,
      createdAt: now,
      expiresAt: now + (req.body.ttlSeconds ?? 7 * 86400) * 1000,
      maxUses: req.body.maxUses ?? null,
      uses: 0,
      revokedAt: null,
      note: req.body.note ?? null,
    };
    await ctx.store.agents.insertEnrollmentToken(row);
    await ctx.audit(req, 'enrollment-token.create', row.id, row.clientId, { site: row.siteId, expiresAt: row.expiresAt, maxUses: row.maxUses });
    return reply.code(201).send({ ...info(row), token });
  });

  app.get('/api/v1/admin/enrollment-tokens', { config: { access: 'admin' } }, async () => {
    return { tokens: (await ctx.store.agents.listEnrollmentTokens()).map(info) };
  });

  app.delete<{ Params: { id: string } }>('/api/v1/admin/enrollment-tokens/:id', { config: { access: 'admin' } }, async (req) => {
    if (!(await ctx.store.agents.revokeEnrollmentToken(req.params.id, ctx.clock.now())))
      throw new VigilError('NOT_FOUND', `no active enrollment token ${req.params.id}`);
    await ctx.audit(req, 'enrollment-token.revoke', req.params.id, null);
    return { revoked: req.params.id };
  });

  app.delete<{ Params: { id: string } }>('/api/v1/admin/agents/:id', { config: { access: 'admin' } }, async (req) => {
    const revoked = await ctx.store.agents.revoke(req.params.id, ctx.clock.now());
    ctx.agentTokens.forget(req.params.id);
    if (!revoked) throw new VigilError('NOT_FOUND', `no active agent ${req.params.id}`);
    // its check ids are free for another agent of the client (a site replaced or moved)
    const agent = await ctx.store.agents.get(req.params.id);
    const released = agent ? await ctx.engine.releaseAgent(agent) : [];
    await ctx.audit(req, 'agent.revoke', req.params.id, agent?.clientId ?? null, { releasedChecks: released });
    return { revoked: req.params.id, releasedChecks: released };
  });

  app.post('/api/v1/enroll', { config: { access: 'public' }, schema: { body: EnrollRequest, response: { 201: EnrollResponse } } }, async (req, reply) => {
    const now = ctx.clock.now();
    const t = await ctx.store.agents.findEnrollmentTokenByHash(sha256(req.body.token));
    if (!t) throw new VigilError('UNAUTHENTICATED', 'unknown enrollment token');
    if (t.revokedAt !== null) throw new VigilError('TOKEN_REVOKED', 'this enrollment token has been revoked');
    if (t.expiresAt <= now) throw new VigilError('TOKEN_EXPIRED', 'this enrollment token has expired; ask for a new one');
    if (t.maxUses !== null && t.uses >= t.maxUses) throw new VigilError('TOKEN_EXPIRED', 'this enrollment token has been used up');
    // always an id ingest accepts: the name part is shortened to fit, the uniqueness suffix kept
    const name = req.body.name ?? req.body.hostname;
    let id = agentIdFor(t.clientId, name, 1);
    for (let n = 2; await ctx.store.agents.get(id); n++) id = agentIdFor(t.clientId, name, n);
    const agentToken = randomBytes(32).toString('hex'); // 256 bits; only its hash is kept
    const enrolled = await ctx.store.agents.enroll(t.id, {
      id,
      clientId: t.clientId,
      siteId: t.siteId,
      hostname: req.body.hostname,
      createdAt: now,
      revokedAt: null,
      lastSeen: null,
      heartbeatIntervalMs: null,
      reachable: true,
      tokenHash: sha256(agentToken),
    });
    // another enrollment used the token up (or it was revoked) between the check above and now
    if (!enrolled) throw new VigilError('TOKEN_EXPIRED', 'this enrollment token has been used up or revoked');
    req.log.info({ agentId: id, client: t.clientId, site: t.siteId }, 'agent enrolled');
    return reply.code(201).send({ agentId: id, agentToken, clientId: t.clientId, siteId: t.siteId, limits: advertisedLimits(ctx.config) });
  });
}
