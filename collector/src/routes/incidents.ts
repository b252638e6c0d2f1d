import { Type } from 'typebox';
import { VigilError } from '../../../shared/errors.js';
import { selectDefinition } from '../../../shared/sla/definition.js';
import { resolvePeriod, resolveServicePeriods } from '../../../shared/sla/period.js';
import type { AppContext, VigilFastify } from '../app-context.js';
import { principalOf, requireClient, scopeFor, seesClient } from '../access/index.js';
import { IncidentViews } from '../incidents/views.js';

const Kind = Type.Enum(['service-down', 'site-unreachable', 'burn-rate', 'projected-breach']);
const IdParam = Type.Object({ id: Type.String({ pattern: '^[0-9]{1,12}$' }) });

/** Incidents: list, one with deliveries and audit trail, acknowledge, statistics against the contract. */
export function incidentRoutes(app: VigilFastify, ctx: AppContext): void {
  const { incidents, clock, store } = ctx;
  const views = new IncidentViews(store.incidents, store.outbox, ctx.definitions);
  // the window of the period the label names, by its shape (2026-10 a month, 2026-Q4 a quarter, a date
  // rolling 30 days) among the client's services' kinds; no label: the first service's current period
  const periodOf = (client: string, label: string | undefined) => {
    const def = selectDefinition(ctx.definitions(), client, clock.now());
    if (!def) return resolvePeriod('calendar-month', label ?? { asOf: clock.now() }, 'UTC');
    return [...resolveServicePeriods(def.services, label ?? { asOf: clock.now() }, def.timezone).values()][0]!;
  };

  app.get(
    '/api/v1/incidents',
    {
      config: { access: 'read' },
      schema: {
        querystring: Type.Object(
          {
            client: Type.Optional(Type.String()),
            status: Type.Optional(Type.Enum(['open', 'resolved'])),
            kind: Type.Optional(Kind),
            period: Type.Optional(Type.String()),
          },
          { additionalProperties: false },
        ),
      },
    },
    async (req) => {
      const q = req.query;
      const range = q.period && q.client ? periodOf(q.client, q.period) : undefined;
      const clients = scopeFor(principalOf(req), q.client);
      const rows = await store.incidents.list({
        ...(clients ? { clients } : {}),
        ...(q.status ? { status: q.status } : {}),
        ...(q.kind ? { kind: q.kind } : {}),
        ...(range ? { from: range.start, to: range.end } : {}),
      });
      return { incidents: await Promise.all(rows.map((i) => views.summary(i, clock.now()))) };
    },
  );

  app.get(
    '/api/v1/incidents/stats',
    {
      config: { access: 'read' },
      schema: { querystring: Type.Object({ client: Type.String({ minLength: 1 }), period: Type.Optional(Type.String()) }, { additionalProperties: false }) },
    },
    async (req) => {
      requireClient(principalOf(req), req.query.client);
      const p = periodOf(req.query.client, req.query.period);
      return {
        client: req.query.client,
        period: { label: p.label, start: new Date(p.start).toISOString(), end: new Date(p.end).toISOString() },
        ...(await views.stats(req.query.client, p.start, p.end, clock.now())),
      };
    },
  );

  app.get('/api/v1/incidents/:id', { config: { access: 'read' }, schema: { params: IdParam } }, async (req) => {
    const i = await store.incidents.get(Number(req.params.id));
    // another client's incident is not there for this principal: the same answer as no incident
    if (!i || !seesClient(principalOf(req), i.client)) throw new VigilError('NOT_FOUND', `no incident ${req.params.id}`);
    return views.detail(i, clock.now());
  });

  app.post(
    '/api/v1/incidents/:id/ack',
    {
      config: { access: 'operator' },
      schema: {
        params: IdParam,
        body: Type.Object(
          {
            by: Type.String({ minLength: 1, maxLength: 200 }),
            note: Type.Optional(Type.String({ maxLength: 2000 })),
            via: Type.Optional(Type.Enum(['api', 'cli'])),
          },
          { additionalProperties: false },
        ),
      },
    },
    async (req) => {
      const i = await incidents.recorder.acknowledge(Number(req.params.id), req.body.by, req.body.via ?? 'api', req.body.note);
      await ctx.audit(req, 'incident.ack', String(i.id), i.client, {
        by: req.body.by,
        via: req.body.via ?? 'api',
        ...(req.body.note ? { note: req.body.note } : {}),
      });
      return views.detail(i, clock.now());
    },
  );
}
