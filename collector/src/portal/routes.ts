import type { FastifyReply } from 'fastify';
import { Type } from 'typebox';
import { selectDefinition } from '../../../shared/sla/definition.js';
import { maintenanceIntervals } from '../../../shared/sla/maintenance.js';
import { principalName, principalOf, seesClient, visibleClients } from '../access/index.js';
import { clearSession, sameOrigin, sessionCookie } from '../access/session.js';
import type { AppContext, VigilFastify } from '../app-context.js';
import { slaReportFor } from '../sla-query.js';
import { reportHtml } from '../reports/html.js';
import { buildReport } from '../reports/model.js';
import { CSP, clientPage, loginPage, messagePage } from './pages.js';

const AHEAD_MS = 14 * 86_400_000;
const ClientParam = Type.Object({ client: Type.String({ pattern: '^[a-zA-Z0-9][a-zA-Z0-9._-]{0,127}$' }) });

/** Sends a portal page with the headers every page carries (CSP, no framing, no caching, no referrer to other sites). */
function html(reply: FastifyReply, code: number, body: string) {
  return reply
    .code(code)
    .headers({
      'content-type': 'text/html; charset=utf-8',
      'content-security-policy': CSP,
      'x-frame-options': 'DENY',
      'cache-control': 'no-store',
      'referrer-policy': 'same-origin',
      'x-content-type-options': 'nosniff',
    })
    .send(body);
}

/**
 * The client portal: sign in with an API token (viewer, reporter, operator, admin), then the
 * client's services with availability to date against target, error budget, projection, open and
 * recent incidents, maintenance ahead and the period's figures. A principal only ever reaches
 * the pages of its own clients (403 otherwise).
 */
export function portalRoutes(app: VigilFastify, ctx: AppContext): void {
  const clientsFor = (p: ReturnType<typeof principalOf>) => visibleClients(p, ctx.definitions());

  app.get('/portal/login', { config: { access: 'public' } }, async (_req, reply) => html(reply, 200, loginPage()));

  app.post<{ Body: Record<string, string> }>('/portal/login', { config: { access: 'public' } }, async (req, reply) => {
    if (!sameOrigin(req)) return html(reply, 403, messagePage('Not allowed', 'Sign in from this portal’s own page.'));
    const token = String(req.body?.token ?? '').trim();
    const p = token ? await ctx.principals.resolve(token).catch(() => undefined) : undefined;
    if (!p) return html(reply, 401, loginPage('That token is not valid (or has expired or been revoked).'));
    if (p.kind === 'metrics') return html(reply, 403, loginPage('A metrics scrape token cannot sign in.'));
    req.log.info({ principal: principalName(p), from: req.ip }, 'portal sign-in');
    return reply.header('set-cookie', sessionCookie(req, token, p.kind === 'token' ? p.expiresAt : null, ctx.clock.now())).redirect('/portal/', 303);
  });

  app.post('/portal/logout', { config: { access: 'portal' } }, async (req, reply) => {
    if (!sameOrigin(req)) return html(reply, 403, messagePage('Not allowed', 'Sign out from this portal’s own page.'));
    return reply.header('set-cookie', clearSession(req)).redirect('/portal/login', 303);
  });

  app.get('/portal/', { config: { access: 'portal' } }, async (req, reply) => {
    const clients = clientsFor(principalOf(req));
    if (clients.length === 1) return reply.redirect(`/portal/${encodeURIComponent(clients[0]!)}`, 303);
    const list = clients.map((c) => `<li><a href="/portal/${encodeURIComponent(c)}">${c}</a></li>`).join('');
    return html(reply, 200, messagePage('Clients', '').replace('<p></p>', `<ul>${list || '<li>none</li>'}</ul>`));
  });

  app.get('/portal/:client', { config: { access: 'portal' }, schema: { params: ClientParam } }, async (req, reply) => {
    const p = principalOf(req);
    const client = req.params.client;
    if (!seesClient(p, client)) return html(reply, 403, messagePage('Not allowed', `This sign-in does not give access to ${client}.`));
    const now = ctx.clock.now();
    const def = selectDefinition(ctx.definitions(), client, now);
    if (!def) return html(reply, 404, messagePage('No such client', `No SLA definition for ${client}.`));
    const report = await slaReportFor(ctx.store, ctx.definitions(), client, undefined, now);
    const start = Date.parse(report.period.start);
    const [open, resolved] = await Promise.all([
      ctx.store.incidents.list({ clients: [client], status: 'open' }),
      ctx.store.incidents.list({ clients: [client], status: 'resolved', from: start, to: now + 1 }),
    ]);
    const maintenance = def.services.flatMap((s) =>
      maintenanceIntervals(s.maintenance, def.timezone, { start: now, end: now + AHEAD_MS }).map((window) => ({ service: s.id, window })),
    );
    const recent = resolved.sort((a, b) => b.startedAt - a.startedAt).slice(0, 10);
    return html(
      reply,
      200,
      clientPage({
        report,
        open,
        recent,
        maintenance: maintenance.sort((a, b) => a.window.start - b.window.start),
        clients: clientsFor(p),
        who: principalName(p),
      }),
    );
  });

  app.get('/portal/:client/report.html', { config: { access: 'portal' }, schema: { params: ClientParam } }, async (req, reply) => {
    if (!seesClient(principalOf(req), req.params.client))
      return html(reply, 403, messagePage('Not allowed', `This sign-in does not give access to ${req.params.client}.`));
    const body = await buildReport(ctx.store, ctx.definitions(), req.params.client, undefined, ctx.clock.now());
    return html(reply, 200, reportHtml(body, ctx.reportSigner.sign(body as unknown as Record<string, unknown>)));
  });

  app.get('/portal/:client/report.json', { config: { access: 'portal' }, schema: { params: ClientParam } }, async (req, reply) => {
    if (!seesClient(principalOf(req), req.params.client)) return reply.code(403).send({ error: { code: 'VIGIL_ERR_FORBIDDEN', message: 'not your client' } });
    return slaReportFor(ctx.store, ctx.definitions(), req.params.client, undefined, ctx.clock.now());
  });
}
