import { Type } from 'typebox';
import { VigilError } from '../../../shared/errors.js';
import { clientsOf, principalName, principalOf, tokenView } from '../access/index.js';
import type { AppContext, VigilFastify } from '../app-context.js';

const CreateApiToken = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200 }),
    role: Type.Enum(['operator', 'viewer', 'reporter']),
    clients: Type.Optional(Type.Array(Type.String({ pattern: '^[a-zA-Z0-9][a-zA-Z0-9._-]{0,127}$' }), { maxItems: 1000 })),
    /** Lifetime; none: until revoked. */
    ttlSeconds: Type.Optional(Type.Integer({ minimum: 60, maximum: 10 * 366 * 86400 })),
  },
  { additionalProperties: false },
);
const AuditQuery = Type.Object(
  {
    from: Type.Optional(Type.String({ format: 'date-time' })),
    to: Type.Optional(Type.String({ format: 'date-time' })),
    principal: Type.Optional(Type.String({ maxLength: 300 })),
    action: Type.Optional(Type.String({ maxLength: 100 })),
    /** 1 … 10,000 (default 100). */
    limit: Type.Optional(Type.String({ pattern: '^[1-9][0-9]{0,4}$' })),
  },
  { additionalProperties: false },
);

/** Named API tokens (admin), the audit log (operator) and who the caller is. */
export function accessRoutes(app: VigilFastify, ctx: AppContext): void {
  app.post('/api/v1/admin/api-tokens', { config: { access: 'admin' }, schema: { body: CreateApiToken } }, async (req, reply) => {
    const b = req.body;
    const { token, row } = await ctx.principals.create({
      name: b.name,
      role: b.role,
      clients: b.clients ?? [],
      ...(b.ttlSeconds !== undefined ? { ttlSeconds: b.ttlSeconds } : {}),
      createdBy: principalName(principalOf(req)),
    });
    await ctx.audit(req, 'api-token.create', row.id, null, { name: row.name, role: row.role, clients: row.clients, expiresAt: row.expiresAt });
    // the secret is in this answer only: the store keeps its hash
    return reply.code(201).send({ ...tokenView(row, ctx.clock.now()), token });
  });

  app.get('/api/v1/admin/api-tokens', { config: { access: 'admin' } }, async () => ({
    tokens: (await ctx.store.apiTokens.list()).map((r) => tokenView(r, ctx.clock.now())),
  }));

  app.delete<{ Params: { id: string } }>('/api/v1/admin/api-tokens/:id', { config: { access: 'admin' } }, async (req) => {
    if (!(await ctx.principals.revoke(req.params.id))) throw new VigilError('NOT_FOUND', `no active API token ${req.params.id}`);
    await ctx.audit(req, 'api-token.revoke', req.params.id, null);
    return { revoked: req.params.id };
  });

  app.get('/api/v1/audit', { config: { access: 'operator' }, schema: { querystring: AuditQuery } }, async (req) => {
    const q = req.query;
    const entries = await ctx.store.audit.list({
      ...(q.from ? { from: Date.parse(q.from) } : {}),
      ...(q.to ? { to: Date.parse(q.to) } : {}),
      ...(q.principal ? { principal: q.principal } : {}),
      ...(q.action ? { action: q.action } : {}),
      ...(q.limit ? { limit: Number(q.limit) } : {}),
    });
    return { entries: entries.map((e) => ({ ...e, at: new Date(e.ts).toISOString() })) };
  });

  app.get('/api/v1/whoami', { config: { access: 'report' } }, async (req) => {
    const p = principalOf(req);
    const clients = clientsOf(p);
    return { principal: p.id, role: p.role, ...(p.kind === 'token' ? { name: p.name } : {}), clients: clients ?? 'all' };
  });
}
