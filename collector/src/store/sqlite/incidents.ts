import type { Database } from 'better-sqlite3';
import { ackDetail, toEvent, toIncident, type Raw } from '../rows.js';
import type { IncidentRow, IncidentStore, NewIncident } from '../types.js';
import type { Run } from './gate.js';

/** Incidents and their audit trail on SQLite: each change and its trail row in one transaction. */
export function sqliteIncidents(db: Database, run: Run): IncidentStore {
  const s = {
    open: db.prepare(`SELECT * FROM incidents WHERE status = 'open' AND client_id = ? AND service = ? AND kind = ? ORDER BY id DESC LIMIT 1`),
    openAll: db.prepare(`SELECT * FROM incidents WHERE status = 'open' ORDER BY id`),
    insert: db.prepare(`INSERT INTO incidents (client_id, service, kind, status, priority, site_id, started_at, detected_at, members, muted)
      VALUES (?, ?, ?, 'open', ?, ?, ?, ?, ?, ?)`),
    get: db.prepare('SELECT * FROM incidents WHERE id = ?'),
    resolve: db.prepare(`UPDATE incidents SET status = 'resolved', resolved_at = ?, resolve_detected_at = ? WHERE id = ? AND status = 'open'`),
    ack: db.prepare('UPDATE incidents SET acknowledged_at = ?, acknowledged_by = ? WHERE id = ? AND acknowledged_at IS NULL'),
    escalate: db.prepare('UPDATE incidents SET escalation_level = ? WHERE id = ? AND escalation_level < ?'),
    members: db.prepare('UPDATE incidents SET members = ? WHERE id = ?'),
    event: db.prepare('INSERT INTO incident_events (incident_id, ts, kind, actor, detail) VALUES (?, ?, ?, ?, ?)'),
    events: db.prepare('SELECT ts, kind, actor, detail FROM incident_events WHERE incident_id = ? ORDER BY id'),
  };
  const audit = (id: number, ts: number, kind: string, actor: string | null, detail: string | null) => s.event.run(id, ts, kind, actor, detail);
  const get = (id: number): IncidentRow | undefined => {
    const r = s.get.get(id) as Raw | undefined;
    return r && toIncident(r);
  };
  const tx = {
    open: db.transaction((i: NewIncident) => {
      const id = Number(
        s.insert.run(i.client, i.service, i.kind, i.priority, i.site ?? null, i.startedAt, i.detectedAt, JSON.stringify(i.members), i.muted ? 1 : 0)
          .lastInsertRowid,
      );
      audit(id, i.detectedAt, 'opened', null, JSON.stringify({ startedAt: i.startedAt, members: i.members, muted: i.muted }));
      return get(id)!;
    }),
    members: db.transaction((id: number, at: number, members: string[]) => {
      s.members.run(JSON.stringify(members), id);
      audit(id, at, 'updated', null, JSON.stringify({ members }));
    }),
    resolve: db.transaction((id: number, resolvedAt: number, detectedAt: number) => {
      const changed = s.resolve.run(resolvedAt, detectedAt, id).changes > 0;
      if (changed) audit(id, detectedAt, 'resolved', null, JSON.stringify({ resolvedAt }));
      return changed;
    }),
    ack: db.transaction((id: number, at: number, by: string, via: string, note?: string) => {
      const changed = s.ack.run(at, by, id).changes > 0;
      audit(id, at, changed ? 'acknowledged' : 'acknowledged-again', by, ackDetail(via, note));
      return changed;
    }),
    escalate: db.transaction((id: number, at: number, level: number) => {
      const changed = s.escalate.run(level, id, level).changes > 0;
      if (changed) audit(id, at, 'escalated', null, JSON.stringify({ level }));
      return changed;
    }),
  };
  return {
    findOpen: (client, service, kind) =>
      run(() => {
        const r = s.open.get(client, service, kind) as Raw | undefined;
        return r && toIncident(r);
      }),
    listOpen: () => run(() => (s.openAll.all() as Raw[]).map(toIncident)),
    get: (id) => run(() => get(id)),
    list: (f = {}) =>
      run(() => {
        const conds: string[] = [];
        const args: Array<string | number> = [];
        if (f.clients) {
          if (f.clients.length === 0) return [];
          conds.push(`client_id IN (${f.clients.map(() => '?').join(', ')})`);
          args.push(...f.clients);
        }
        for (const [sql, v] of [
          ['status = ?', f.status],
          ['kind = ?', f.kind],
          ['started_at >= ?', f.from],
          ['started_at < ?', f.to],
        ] as const) {
          if (v === undefined) continue;
          conds.push(sql);
          args.push(v);
        }
        const where = conds.length ? `WHERE ${conds.join(' AND ')}` : '';
        return (db.prepare(`SELECT * FROM incidents ${where} ORDER BY id`).all(...args) as Raw[]).map(toIncident);
      }),
    open: (i) => run(() => tx.open(i)),
    updateMembers: (id, at, members) => run(() => tx.members(id, at, members)),
    resolve: (id, resolvedAt, detectedAt) => run(() => tx.resolve(id, resolvedAt, detectedAt)),
    acknowledge: (id, at, by, via, note) => run(() => tx.ack(id, at, by, via, note)),
    escalate: (id, at, level) => run(() => tx.escalate(id, at, level)),
    audit: (id, ts, kind, actor, detail) => run(() => void audit(id, ts, kind, actor, detail ? JSON.stringify(detail) : null)),
    events: (id) => run(() => (s.events.all(id) as Raw[]).map(toEvent)),
  };
}
