import { Type } from 'typebox';
import { VigilError } from '../../../shared/errors.js';
import { loadDefinitionsDir } from '../../../shared/sla-files/definition-files.js';
import { principalOf, requireClient } from '../access/index.js';
import type { AppContext, VigilFastify } from '../app-context.js';

const CreateExclusion = Type.Object(
  {
    clientId: Type.String({ minLength: 1 }),
    service: Type.String({ minLength: 1 }),
    start: Type.String({ format: 'date-time' }),
    end: Type.String({ format: 'date-time' }),
    reason: Type.String({ minLength: 3, maxLength: 1000 }),
    addedBy: Type.String({ minLength: 1, maxLength: 200 }),
  },
  { additionalProperties: false },
);

/**
 * Manual exclusions (vendor outage, force majeure) and definition reload. SLA reports are
 * computed on request from transitions, so after either change a past period's report is
 * recomputed simply by asking for it again; it names the definition version it used.
 */
export function exclusionRoutes(app: VigilFastify, ctx: AppContext, reload: (defs: ReturnType<typeof loadDefinitionsDir>) => void): void {
  app.post('/api/v1/admin/exclusions', { config: { access: 'admin' }, schema: { body: CreateExclusion } }, async (req, reply) => {
    const b = req.body;
    const start = Date.parse(b.start);
    const end = Date.parse(b.end);
    const problems = [];
    if (Number.isNaN(start)) problems.push({ path: '/start', message: 'not an ISO instant' });
    if (Number.isNaN(end) || end <= start) problems.push({ path: '/end', message: 'must be an ISO instant after start' });
    const known = ctx.definitions().some((d) => d.client === b.clientId && d.services.some((s) => s.id === b.service));
    if (!known) problems.push({ path: '/service', message: `no service "${b.service}" in an SLA definition of client "${b.clientId}"` });
    if (problems.length > 0) throw new VigilError('BODY_INVALID', 'exclusion is invalid', problems);
    const id = await ctx.store.exclusions.add(b.clientId, { service: b.service, start, end, reason: b.reason, addedBy: b.addedBy, addedAt: ctx.clock.now() });
    await ctx.audit(req, 'exclusion.add', `${b.clientId}/${b.service}`, b.clientId, { id, start: b.start, end: b.end, reason: b.reason, addedBy: b.addedBy });
    return reply.code(201).send({ id, ...b });
  });

  app.get<{ Params: { client: string } }>('/api/v1/exclusions/:client', { config: { access: 'read' } }, async (req) => {
    requireClient(principalOf(req), req.params.client);
    return {
      exclusions: (await ctx.store.exclusions.list(req.params.client, 0, Number.MAX_SAFE_INTEGER)).map((e) => ({
        ...e,
        start: new Date(e.start).toISOString(),
        end: new Date(e.end).toISOString(),
      })),
    };
  });

  app.post('/api/v1/admin/definitions/reload', { config: { access: 'admin' } }, async (req) => {
    if (!ctx.config.slaDir) throw new VigilError('NOT_FOUND', 'no slaDir is configured');
    const defs = loadDefinitionsDir(ctx.config.slaDir); // throws with every problem; the old set stays in force
    reload(defs);
    await ctx.audit(req, 'definitions.reload', ctx.config.slaDir, null, { definitions: defs.map((d) => `${d.client}@${d.version}`) });
    return { definitions: defs.map((d) => ({ client: d.client, version: d.version, effectiveFrom: new Date(d.effectiveFrom).toISOString() })) };
  });
}
