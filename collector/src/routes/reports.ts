import type { FastifyReply } from 'fastify';
import { Type } from 'typebox';
import { VigilError } from '../../../shared/errors.js';
import { principalName, principalOf, requireClient } from '../access/index.js';
import type { AppContext, VigilFastify } from '../app-context.js';
import { reportCsv } from '../reports/csv.js';
import { reportHtml } from '../reports/html.js';
import { buildReport } from '../reports/model.js';
import { reportPdf } from '../reports/pdf.js';

const Period = Type.String({ pattern: '^(\\d{4}-\\d{2}|\\d{4}-Q[1-4]|\\d{4}-\\d{2}-\\d{2})$' });
const ClientParam = Type.Object({ client: Type.String({ pattern: '^[a-zA-Z0-9][a-zA-Z0-9._-]{0,127}$' }) });

/**
 * Contract reports: JSON (canonical, signed with the collector's Ed25519 key), CSV and HTML for
 * reporters, viewers, operators and the admin of the client; signed expiring links to the HTML for
 * people without a token; the public key for `vigil report verify`.
 */
export function reportRoutes(app: VigilFastify, ctx: AppContext): void {
  const signed = async (client: string, period: string | undefined) => {
    const body = await buildReport(ctx.store, ctx.definitions(), client, period, ctx.clock.now());
    return { body, signature: ctx.reportSigner.sign(body as unknown as Record<string, unknown>) };
  };
  const send = async (reply: FastifyReply, format: string, client: string, period: string | undefined) => {
    const { body, signature } = await signed(client, period);
    const name = `vigil-report-${client}-${body.period.label}`;
    if (format === 'csv')
      return reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="${name}.csv"`).send(reportCsv(body));
    if (format === 'pdf')
      return reply
        .type('application/pdf')
        .header('content-disposition', `attachment; filename="${name}.pdf"`)
        .send(await reportPdf(body, signature));
    if (format === 'html')
      return reply
        .type('text/html; charset=utf-8')
        .header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'")
        .send(reportHtml(body, signature));
    return reply.header('content-disposition', `inline; filename="${name}.json"`).send({ ...body, signature });
  };

  app.get('/api/v1/reports/public-key', { config: { access: 'public' } }, async (_req, reply) =>
    reply.type('application/x-pem-file').send(ctx.reportSigner.publicKeyPem),
  );

  app.get(
    '/api/v1/reports/:client',
    {
      config: { access: 'report' },
      schema: {
        params: ClientParam,
        querystring: Type.Object(
          { period: Type.Optional(Period), format: Type.Optional(Type.Enum(['json', 'csv', 'html', 'pdf'])) },
          { additionalProperties: false },
        ),
      },
    },
    async (req, reply) => {
      requireClient(principalOf(req), req.params.client);
      return send(reply, req.query.format ?? 'json', req.params.client, req.query.period);
    },
  );

  app.post(
    '/api/v1/reports/:client/link',
    {
      config: { access: 'report' },
      schema: {
        params: ClientParam,
        body: Type.Object(
          { period: Type.Optional(Period), ttlSeconds: Type.Optional(Type.Integer({ minimum: 60, maximum: 90 * 86400 })) },
          { additionalProperties: false },
        ),
      },
    },
    async (req) => {
      requireClient(principalOf(req), req.params.client);
      const { body } = await signed(req.params.client, req.body?.period);
      const exp = ctx.clock.now() + (req.body?.ttlSeconds ?? 30 * 86400) * 1000;
      const path = ctx.reportLinks.path(req.params.client, body.period.label, exp);
      return { url: ctx.config.publicUrl ? new URL(path, ctx.config.publicUrl).toString() : path, expires: new Date(exp).toISOString() };
    },
  );

  app.get(
    '/reports/:client',
    {
      config: { access: 'public' },
      schema: {
        params: ClientParam,
        querystring: Type.Object({ period: Type.Optional(Type.String()), exp: Type.Optional(Type.String()), sig: Type.Optional(Type.String()) }),
      },
    },
    async (req, reply) => {
      const v = ctx.reportLinks.verify(req.params.client, req.query.period, req.query.exp, req.query.sig, ctx.clock.now());
      if (v !== 'ok') throw new VigilError('FORBIDDEN', v === 'expired' ? 'this report link has expired; ask for a new one' : 'this report link is not valid');
      return send(reply, 'html', req.params.client, req.query.period);
    },
  );

  app.post(
    '/api/v1/admin/reports/:client/issue',
    {
      config: { access: 'operator' },
      schema: {
        params: ClientParam,
        body: Type.Object(
          { period: Type.Optional(Period), reason: Type.Optional(Type.String({ minLength: 3, maxLength: 1000 })) },
          { additionalProperties: false },
        ),
      },
    },
    async (req, reply) => {
      const client = req.params.client;
      const { body, signature } = await signed(client, req.body?.period);
      const earlier = await ctx.store.reports.list(client, body.period.label);
      if (earlier.length > 0 && !req.body?.reason)
        throw new VigilError('BODY_INVALID', `${client} ${body.period.label} was issued before (version ${earlier[0]!.version}): say why it is issued again`, [
          { path: '/reason', message: 'required for a re-issue' },
        ]);
      const who = principalName(principalOf(req));
      const row = await ctx.store.reports.add({
        client,
        period: body.period.label,
        issuedAt: ctx.clock.now(),
        issuedBy: who,
        reason: req.body?.reason ?? null,
        status: body.status,
        sha256: signature.sha256,
        json: JSON.stringify({ ...body, signature }),
      });
      await ctx.audit(req, 'report.issue', `${client}/${body.period.label}#${row.version}`, client, {
        version: row.version,
        sha256: row.sha256,
        reason: row.reason,
      });
      const { json: _, ...meta } = row;
      return reply.code(201).send(meta);
    },
  );

  app.get(
    '/api/v1/reports/:client/archive',
    {
      config: { access: 'report' },
      schema: { params: ClientParam, querystring: Type.Object({ period: Type.Optional(Period) }, { additionalProperties: false }) },
    },
    async (req) => {
      requireClient(principalOf(req), req.params.client);
      return { reports: await ctx.store.reports.list(req.params.client, req.query.period) };
    },
  );

  app.get(
    '/api/v1/reports/:client/archive/:id',
    { config: { access: 'report' }, schema: { params: Type.Object({ client: ClientParam.properties.client, id: Type.String({ pattern: '^[0-9]{1,12}$' }) }) } },
    async (req, reply) => {
      requireClient(principalOf(req), req.params.client);
      const row = await ctx.store.reports.get(Number(req.params.id));
      if (!row || row.client !== req.params.client) throw new VigilError('NOT_FOUND', `no archived report ${req.params.id} of ${req.params.client}`);
      // exactly the bytes issued: `vigil report verify` checks them against the key
      return reply.type('application/json').header('x-vigil-report-version', String(row.version)).send(row.json);
    },
  );
}
