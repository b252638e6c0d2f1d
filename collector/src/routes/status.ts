import { Type } from 'typebox';
import { slaReportFor } from '../sla-query.js';
import type { AppContext, VigilFastify } from '../app-context.js';
import { NO_AGENT } from '../store/types.js';
import { principalOf, requireClient, scopeFor, visibleClients } from '../access/index.js';

/** Read-only views: checks, agents, SLA reports, /metrics, health. */
export function statusRoutes(app: VigilFastify, ctx: AppContext): void {
  app.get('/healthz', { config: { access: 'public' } }, async () => ({ ok: true }));
  app.get('/metrics', { config: { access: 'metrics' } }, async (_req, reply) => {
    reply.header('content-type', ctx.metrics.registry.contentType);
    return ctx.metrics.scrape();
  });
  app.get('/api/v1/checks', { config: { access: 'read' }, schema: { querystring: Type.Object({ client: Type.Optional(Type.String()) }) } }, async (req) => ({
    checks: (await ctx.store.checks.list(scopeFor(principalOf(req), req.query.client))).map((c) => ({
      client: c.clientId,
      check: c.checkId,
      agent: c.agentId === NO_AGENT ? null : c.agentId, // null: released, the next agent to report it takes it
      site: c.siteId,
      type: c.type,
      target: c.target,
      labels: c.labels,
      state: c.state,
      stateSince: c.stateSince,
      lastStatus: c.lastStatus,
      lastTs: c.lastTs,
      lastDurationMs: c.lastDurationMs,
      metrics: c.lastMetrics,
    })),
  }));
  // collectorGap: when this collector itself was last not running ({ from, to } ms, or null); no site is paged for it
  app.get('/api/v1/agents', { config: { access: 'read' } }, async (req) => ({
    agents: await ctx.store.agents.list(scopeFor(principalOf(req))),
    collectorGap: ctx.engine.liveness.gap(),
  }));
  app.get('/api/v1/sla', { config: { access: 'report' } }, async (req) => ({
    clients: visibleClients(principalOf(req), ctx.definitions()),
  }));
  app.get<{ Params: { client: string }; Querystring: { period?: string } }>(
    '/api/v1/sla/:client',
    {
      config: { access: 'report' },
      schema: { querystring: Type.Object({ period: Type.Optional(Type.String({ pattern: '^(\\d{4}-\\d{2}|\\d{4}-Q[1-4]|\\d{4}-\\d{2}-\\d{2})$' })) }) },
    },
    async (req) => {
      requireClient(principalOf(req), req.params.client);
      return slaReportFor(ctx.store, ctx.definitions(), req.params.client, req.query.period, ctx.clock.now());
    },
  );
}
