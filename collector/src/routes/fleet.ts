import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { VigilError } from '../../../shared/errors.js';
import { Id } from '../../../shared/protocol/v1/common.js';
import { principalOf, scopeFor } from '../access/index.js';
import type { AppContext, VigilFastify } from '../app-context.js';
import { layerKey, type LayerRef } from '../fleet/layer.js';
import { fleetEntry } from '../fleet/fleet-view.js';
import { TokenBuckets } from '../ingest/token-buckets.js';
import type { AgentRow } from '../store/types.js';

/** The three layer kinds of the admin API, each at `/api/v1/fleet/config/<path>` (the file `<key>.yaml` in fleet.configDir). */
const KINDS = [
  { path: 'clients/:client', params: Type.Object({ client: Id }), ref: (p: Params): LayerRef => ({ kind: 'client', client: p.client! }) },
  {
    path: 'sites/:client/:site',
    params: Type.Object({ client: Id, site: Id }),
    ref: (p: Params): LayerRef => ({ kind: 'site', client: p.client!, site: p.site! }),
  },
  { path: 'agents/:id', params: Type.Object({ id: Id }), ref: (p: Params): LayerRef => ({ kind: 'agent', agent: p.id! }) },
] as const;
type Params = { client?: string; site?: string; id?: string };

/**
 * Central configuration and the fleet view (README, "Central configuration and the fleet"): the
 * agents' own GET of their resolved configuration (ETag / If-None-Match), the admin API over the
 * layers of fleet.configDir, and the fleet view scoped to the caller's clients.
 */
export function fleetRoutes(app: VigilFastify, ctx: AppContext): void {
  const { fleet } = ctx;
  app.addHook('onClose', async () => fleet.close());
  const agents = new WeakMap<FastifyRequest, AgentRow>();
  // a config is fetched when its version changed: a few per agent a day, a bucket of its own
  const buckets = new TokenBuckets(ctx.clock, 1, 5);
  const admitAgent = async (req: FastifyRequest, reply: FastifyReply) => {
    const agent = await ctx.agentTokens.agentOf(req);
    const wait = buckets.take(agent.id);
    if (wait > 0) {
      reply.header('retry-after', String(wait));
      throw new VigilError('RATE_LIMITED', `agent ${agent.id} fetches its configuration more than once a second; retry in ${wait} s`);
    }
    agents.set(req, agent);
  };

  app.get('/api/v1/agent/config', { config: { access: 'agent' }, onRequest: admitAgent }, async (req, reply) => {
    const agent = agents.get(req)!;
    const r = fleet.requireResolved(agent);
    const etag = `"${r.document.version}"`;
    reply.header('etag', etag).header('cache-control', 'no-store');
    const asked = req.headers['if-none-match'];
    if (typeof asked === 'string' && asked.split(',').some((t) => t.trim().replace(/^W\//, '') === etag)) return reply.code(304).send();
    return r.document;
  });

  app.get(
    '/api/v1/fleet',
    { config: { access: 'read' }, schema: { querystring: Type.Object({ client: Type.Optional(Id) }, { additionalProperties: false }) } },
    async (req) => {
      const rows = await ctx.store.agents.list(scopeFor(principalOf(req), req.query.client));
      return { agents: rows.filter((a) => a.revokedAt === null).map((a) => fleetEntry(a, fleet.versionFor(a))) };
    },
  );

  app.get('/api/v1/fleet/config', { config: { access: 'admin' } }, async () => fleet.listing());
  app.post('/api/v1/fleet/config/reload', { config: { access: 'admin' } }, async (req) => {
    const changed = await fleet.reload();
    const listing = fleet.listing();
    await ctx.audit(req, 'fleet.config.reload', listing.configDir, null, { changed, problems: listing.problems.length });
    return { changed, ...listing };
  });

  app.get('/api/v1/fleet/agents/:id/config', { config: { access: 'admin' }, schema: { params: Type.Object({ id: Id }) } }, async (req) => {
    const agent = await ctx.store.agents.get(req.params.id);
    if (!agent || agent.revokedAt !== null) throw new VigilError('NOT_FOUND', `no agent ${req.params.id}`);
    const r = fleet.requireResolved(agent);
    return { agent: agent.id, version: r.document.version, layers: r.layers, sources: r.sources, document: r.document };
  });

  for (const kind of KINDS) {
    const url = `/api/v1/fleet/config/${kind.path}`;
    const clientOf = (ref: LayerRef) => (ref.kind === 'agent' ? null : ref.client);
    app.get(url, { config: { access: 'admin' }, schema: { params: kind.params } }, async (req) => {
      const ref = kind.ref(req.params as Params);
      const e = fleet.layer(ref);
      if (!e) throw new VigilError('NOT_FOUND', `no layer ${layerKey(ref)} in fleet.configDir`);
      return { layer: layerKey(ref), content: e.layer ?? null, problems: e.problems };
    });
    app.put(url, { config: { access: 'admin' }, bodyLimit: ctx.config.bodyLimitBytes, schema: { params: kind.params } }, async (req) => {
      const ref = kind.ref(req.params as Params);
      const layer = await fleet.put(ref, req.body);
      await ctx.audit(req, 'fleet.config.put', layerKey(ref), clientOf(ref), { checks: layer.checks?.length ?? 0, removes: layer.remove?.length ?? 0 });
      return { layer: layerKey(ref), agents: await affected(ctx, ref) };
    });
    app.delete(url, { config: { access: 'admin' }, schema: { params: kind.params } }, async (req) => {
      const ref = kind.ref(req.params as Params);
      if (!(await fleet.remove(ref))) throw new VigilError('NOT_FOUND', `no layer ${layerKey(ref)} in fleet.configDir`);
      await ctx.audit(req, 'fleet.config.delete', layerKey(ref), clientOf(ref));
      return { layer: layerKey(ref), deleted: true, agents: await affected(ctx, ref) };
    });
  }
}

/** The agents a layer reaches, with the version each gets now (they take it at their next heartbeat). */
async function affected(ctx: AppContext, ref: LayerRef): Promise<Array<{ agent: string; version: string | null }>> {
  const rows =
    ref.kind === 'agent'
      ? [await ctx.store.agents.get(ref.agent)].filter((a): a is AgentRow => a !== undefined)
      : (await ctx.store.agents.list([ref.client])).filter((a) => ref.kind === 'client' || a.siteId === ref.site);
  return rows.filter((a) => a.revokedAt === null).map((a) => ({ agent: a.id, version: ctx.fleet.versionFor(a) ?? null }));
}
