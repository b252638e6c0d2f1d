import { Type } from 'typebox';
import { VigilError } from '../../../shared/errors.js';
import type { AppContext, VigilFastify } from '../app-context.js';

type Row = Record<string, number | string | null>;

/** Incidents with their times: started, detected, each delivery, resolved; time to detect / notify. */
export function incidentRoutes(app: VigilFastify, ctx: AppContext, db: import('better-sqlite3').Database): void {
  const view = (i: Row) => {
    const deliveries = db.prepare('SELECT event, channel, status, attempts, created_at, delivered_at, last_error FROM deliveries WHERE incident_id = ? ORDER BY id').all(i.id) as Row[];
    const firstDown = deliveries.filter((d) => d.event === 'down' && d.delivered_at !== null).map((d) => d.delivered_at as number).sort((a, b) => a - b)[0];
    const started = i.started_at as number;
    return {
      id: i.id, client: i.client_id, service: i.service, kind: i.kind, status: i.status, members: JSON.parse(i.members as string),
      startedAt: started, detectedAt: i.detected_at, resolvedAt: i.resolved_at,
      timeToDetectSeconds: ((i.detected_at as number) - started) / 1000,
      timeToNotifySeconds: firstDown === undefined ? null : (firstDown - started) / 1000,
      timeToResolveSeconds: i.resolved_at === null ? null : ((i.resolved_at as number) - started) / 1000,
      deliveries: deliveries.map((d) => ({ event: d.event, channel: d.channel, status: d.status, attempts: d.attempts, queuedAt: d.created_at, deliveredAt: d.delivered_at, lastError: d.last_error })),
    };
  };
  app.get('/api/v1/incidents', { schema: { querystring: Type.Object({ client: Type.Optional(Type.String()), status: Type.Optional(Type.Enum(['open', 'resolved'])) }) } }, async (req) => {
    const rows = db.prepare('SELECT * FROM incidents ORDER BY id').all() as Row[];
    return { incidents: rows.filter((r) => (!req.query.client || r.client_id === req.query.client) && (!req.query.status || r.status === req.query.status)).map(view) };
  });
  app.get<{ Params: { id: string } }>('/api/v1/incidents/:id', async (req) => {
    const row = db.prepare('SELECT * FROM incidents WHERE id = ?').get(Number(req.params.id)) as Row | undefined;
    if (!row) throw new VigilError('NOT_FOUND', `no incident ${req.params.id}`);
    return view(row);
  });
  void ctx;
}
