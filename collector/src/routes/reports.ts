import type { FastifyReply } from 'fastify';
import { Type } from 'typebox';
import { VigilError } from '../../../shared/errors.js';
import { principalOf, requireClient } from '../access/index.js';
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
}
