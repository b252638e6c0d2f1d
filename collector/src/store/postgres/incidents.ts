import { ackDetail, toEvent, toIncident } from '../rows.js';
import type { IncidentStore } from '../types.js';
import type { Exec } from './exec.js';

const AUDIT = 'INSERT INTO incident_events (incident_id, ts, kind, actor, detail) VALUES ($1, $2, $3, $4, $5)';

/** Incidents and their audit trail on PostgreSQL: each change and its trail row in one transaction. */
export function pgIncidents(x: Exec): IncidentStore {
  const one = async (p: ReturnType<Exec['q']>) => {
    const r = (await p).rows[0];
    return r && toIncident(r);
  };
  return {
    findOpen: (client, service, kind) =>
      one(
        x.q(`SELECT * FROM incidents WHERE status = 'open' AND client_id = $1 AND service = $2 AND kind = $3 ORDER BY id DESC LIMIT 1`, [
          client,
          service,
          kind,
        ]),
      ),
    listOpen: async () => (await x.q(`SELECT * FROM incidents WHERE status = 'open' ORDER BY id`)).rows.map(toIncident),
    get: (id) => one(x.q('SELECT * FROM incidents WHERE id = $1', [id])),
    list: async (f = {}) => {
      const conds: string[] = [];
      const args: unknown[] = [];
      const add = (sql: string, v: unknown) => {
        args.push(v);
        conds.push(sql.replace('?', `$${args.length}`));
      };
      if (f.clients) add('client_id = ANY(?::text[])', f.clients);
      if (f.status !== undefined) add('status = ?', f.status);
      if (f.kind !== undefined) add('kind = ?', f.kind);
      if (f.from !== undefined) add('started_at >= ?', f.from);
      if (f.to !== undefined) add('started_at < ?', f.to);
      const where = conds.length ? `WHERE ${conds.join(' AND ')}` : '';
      return (await x.q(`SELECT * FROM incidents ${where} ORDER BY id`, args)).rows.map(toIncident);
    },
    open: (i) =>
      x.tx(async (t) => {
        const r = await t.q(
          `INSERT INTO incidents (client_id, service, kind, status, priority, site_id, started_at, detected_at, members, muted)
        VALUES ($1, $2, $3, 'open', $4, $5, $6, $7, $8, $9) RETURNING *`,
          [i.client, i.service, i.kind, i.priority, i.site ?? null, i.startedAt, i.detectedAt, JSON.stringify(i.members), i.muted ? 1 : 0],
        );
        const row = toIncident(r.rows[0]!);
        await t.q(AUDIT, [row.id, i.detectedAt, 'opened', null, JSON.stringify({ startedAt: i.startedAt, members: i.members, muted: i.muted })]);
        return row;
      }),
    updateMembers: (id, at, members) =>
      x.tx(async (t) => {
        await t.q('UPDATE incidents SET members = $1 WHERE id = $2', [JSON.stringify(members), id]);
        await t.q(AUDIT, [id, at, 'updated', null, JSON.stringify({ members })]);
      }),
    resolve: (id, resolvedAt, detectedAt) =>
      x.tx(async (t) => {
        const r = await t.q(`UPDATE incidents SET status = 'resolved', resolved_at = $1, resolve_detected_at = $2 WHERE id = $3 AND status = 'open'`, [
          resolvedAt,
          detectedAt,
          id,
        ]);
        if (r.rowCount > 0) await t.q(AUDIT, [id, detectedAt, 'resolved', null, JSON.stringify({ resolvedAt })]);
        return r.rowCount > 0;
      }),
    acknowledge: (id, at, by, via, note) =>
      x.tx(async (t) => {
        const r = await t.q('UPDATE incidents SET acknowledged_at = $1, acknowledged_by = $2 WHERE id = $3 AND acknowledged_at IS NULL', [at, by, id]);
        await t.q(AUDIT, [id, at, r.rowCount > 0 ? 'acknowledged' : 'acknowledged-again', by, ackDetail(via, note)]);
        return r.rowCount > 0;
      }),
    escalate: (id, at, level) =>
      x.tx(async (t) => {
        const r = await t.q('UPDATE incidents SET escalation_level = $1 WHERE id = $2 AND escalation_level < $1', [level, id]);
        if (r.rowCount > 0) await t.q(AUDIT, [id, at, 'escalated', null, JSON.stringify({ level })]);
        return r.rowCount > 0;
      }),
    audit: async (id, ts, kind, actor, detail) => {
      await x.q(AUDIT, [id, ts, kind, actor, detail ? JSON.stringify(detail) : null]);
    },
    events: async (id) => (await x.q('SELECT ts, kind, actor, detail FROM incident_events WHERE incident_id = $1 ORDER BY id', [id])).rows.map(toEvent),
  };
}
