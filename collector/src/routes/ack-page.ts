import { Type } from 'typebox';
import type { AppContext, VigilFastify } from '../app-context.js';

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const page = (title: string, body: string) =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${esc(title)}</title>` +
  `<style>body{font:16px system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem}button{font-size:1rem;padding:.5rem 1rem}</style></head>` +
  `<body><h1>${esc(title)}</h1>${body}</body></html>`;

/**
 * The signed one-click acknowledge link of a notification. GET shows what would be
 * acknowledged and a button; the POST from that button acknowledges. The signature
 * (incident id + expiry, HMAC) is the only credential, so it is checked on both.
 */
export function ackPageRoutes(app: VigilFastify, ctx: AppContext): void {
  const { incidents, clock, store } = ctx;
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) =>
    done(null, Object.fromEntries(new URLSearchParams(body as string))),
  );
  const config = { access: 'public' as const };
  const schema = {
    params: Type.Object({ id: Type.String({ pattern: '^[0-9]{1,12}$' }) }),
    querystring: Type.Object({ exp: Type.Optional(Type.String()), sig: Type.Optional(Type.String()) }),
  };
  const check = async (id: number, q: { exp?: string; sig?: string }) => {
    const v = incidents.links.verify(id, q.exp, q.sig, clock.now());
    if (v !== 'ok')
      return {
        code: 403,
        html: page(
          'Link not valid',
          `<p>This acknowledge link is ${v === 'expired' ? 'expired' : 'not valid'}. Use <code>vigil incident ack ${id}</code> or the API.</p>`,
        ),
      };
    const i = await store.incidents.get(id);
    if (!i) return { code: 404, html: page('No such incident', `<p>Incident ${id} does not exist.</p>`) };
    return { i, code: 200, html: '' };
  };

  app.get<{ Params: { id: string }; Querystring: { exp?: string; sig?: string } }>('/ack/:id', { config, schema }, async (req, reply) => {
    const r = await check(Number(req.params.id), req.query);
    if (!r.i) return reply.code(r.code).type('text/html').send(r.html);
    const i = r.i;
    const what = `${i.client}/${i.site ?? i.service} (${i.priority}), ${i.kind}, since ${new Date(i.startedAt).toISOString()}`;
    if (i.acknowledgedAt !== null)
      return reply
        .type('text/html')
        .send(
          page(
            `Incident #${i.id} is acknowledged`,
            `<p>${esc(what)}</p><p>Acknowledged by ${esc(i.acknowledgedBy ?? '')} at ${new Date(i.acknowledgedAt).toISOString()}.</p>`,
          ),
        );
    const action = `/ack/${i.id}?exp=${encodeURIComponent(req.query.exp!)}&sig=${encodeURIComponent(req.query.sig!)}`;
    return reply
      .type('text/html')
      .send(
        page(
          `Acknowledge incident #${i.id}?`,
          `<p>${esc(what)}</p>` +
            `<form method="post" action="${esc(action)}"><label>Your name <input name="by" required maxlength="200"></label> <button type="submit">Acknowledge</button></form>`,
        ),
      );
  });

  app.post<{ Params: { id: string }; Querystring: { exp?: string; sig?: string }; Body: Record<string, string> }>(
    '/ack/:id',
    { config, schema },
    async (req, reply) => {
      const r = await check(Number(req.params.id), req.query);
      if (!r.i) return reply.code(r.code).type('text/html').send(r.html);
      const by = (req.body?.by ?? '').trim().slice(0, 200) || 'link';
      const i = await incidents.recorder.acknowledge(r.i.id, by, 'link');
      await ctx.audit(req, 'incident.ack', String(i.id), i.client, { by, via: 'link' }, { principal: `link (${by})`, role: 'link' });
      return reply
        .type('text/html')
        .send(
          page(
            `Incident #${i.id} acknowledged`,
            `<p>Acknowledged by ${esc(i.acknowledgedBy ?? by)} at ${new Date(i.acknowledgedAt ?? clock.now()).toISOString()}. Escalation has stopped.</p>`,
          ),
        );
    },
  );
}
