import type { Database, Statement } from 'better-sqlite3';
import type { IncidentKind } from '../notify/channel.js';

export interface IncidentRow {
  id: number;
  client: string;
  /** Service id; for a site-unreachable incident `site:<site>`; for warnings the service. */
  service: string;
  kind: IncidentKind;
  status: 'open' | 'resolved';
  priority: string;
  site: string | null;
  startedAt: number;
  detectedAt: number;
  acknowledgedAt: number | null;
  acknowledgedBy: string | null;
  resolvedAt: number | null;
  resolveDetectedAt: number | null;
  escalationLevel: number;
  muted: boolean;
  members: string[];
}

export interface IncidentEvent { ts: number; kind: string; actor: string | null; detail: Record<string, unknown> | null }

interface Raw {
  id: number; client_id: string; service: string; kind: IncidentKind; status: 'open' | 'resolved'; priority: string; site_id: string | null;
  started_at: number; detected_at: number; acknowledged_at: number | null; acknowledged_by: string | null; resolved_at: number | null;
  resolve_detected_at: number | null; escalation_level: number; muted: number; members: string;
}

const toRow = (r: Raw): IncidentRow => ({
  id: r.id, client: r.client_id, service: r.service, kind: r.kind, status: r.status, priority: r.priority, site: r.site_id,
  startedAt: r.started_at, detectedAt: r.detected_at, acknowledgedAt: r.acknowledged_at, acknowledgedBy: r.acknowledged_by,
  resolvedAt: r.resolved_at, resolveDetectedAt: r.resolve_detected_at, escalationLevel: r.escalation_level, muted: r.muted === 1,
  members: JSON.parse(r.members) as string[],
});

export interface IncidentFilter { client?: string; status?: 'open' | 'resolved'; kind?: IncidentKind; from?: number; to?: number }

/**
 * Incident persistence and its audit trail. Every change of an incident writes an
 * `incident_events` row in the same statement batch, so the trail is the history.
 */
export class IncidentStore {
  private readonly st: Record<'open' | 'insert' | 'get' | 'resolve' | 'ack' | 'escalate' | 'members' | 'event' | 'events' | 'openAll', Statement>;

  constructor(readonly db: Database) {
    this.st = {
      open: db.prepare(`SELECT * FROM incidents WHERE status = 'open' AND client_id = ? AND service = ? AND kind = ? ORDER BY id DESC LIMIT 1`),
      openAll: db.prepare(`SELECT * FROM incidents WHERE status = 'open' ORDER BY id`),
      insert: db.prepare(`INSERT INTO incidents (client_id, service, kind, status, priority, site_id, started_at, detected_at, members, muted)
        VALUES (?, ?, ?, 'open', ?, ?, ?, ?, ?, ?)`),
      get: db.prepare(`SELECT * FROM incidents WHERE id = ?`),
      resolve: db.prepare(`UPDATE incidents SET status = 'resolved', resolved_at = ?, resolve_detected_at = ? WHERE id = ? AND status = 'open'`),
      ack: db.prepare(`UPDATE incidents SET acknowledged_at = ?, acknowledged_by = ? WHERE id = ? AND acknowledged_at IS NULL`),
      escalate: db.prepare(`UPDATE incidents SET escalation_level = ? WHERE id = ? AND escalation_level < ?`),
      members: db.prepare(`UPDATE incidents SET members = ? WHERE id = ?`),
      event: db.prepare(`INSERT INTO incident_events (incident_id, ts, kind, actor, detail) VALUES (?, ?, ?, ?, ?)`),
      events: db.prepare(`SELECT ts, kind, actor, detail FROM incident_events WHERE incident_id = ? ORDER BY id`),
    };
  }

  findOpen(client: string, service: string, kind: IncidentKind): IncidentRow | undefined {
    const r = this.st.open.get(client, service, kind) as Raw | undefined;
    return r && toRow(r);
  }

  listOpen(): IncidentRow[] {
    return (this.st.openAll.all() as Raw[]).map(toRow);
  }

  get(id: number): IncidentRow | undefined {
    const r = this.st.get.get(id) as Raw | undefined;
    return r && toRow(r);
  }

  list(f: IncidentFilter = {}): IncidentRow[] {
    const conds: Array<[string, string | number | undefined]> = [
      ['client_id = ?', f.client], ['status = ?', f.status], ['kind = ?', f.kind], ['started_at >= ?', f.from], ['started_at < ?', f.to],
    ];
    const used = conds.filter((c): c is [string, string | number] => c[1] !== undefined);
    const sql = `SELECT * FROM incidents ${used.length ? `WHERE ${used.map((c) => c[0]).join(' AND ')}` : ''} ORDER BY id`;
    return (this.db.prepare(sql).all(...used.map((c) => c[1])) as Raw[]).map(toRow);
  }

  open(i: { client: string; service: string; kind: IncidentKind; priority: string; site?: string; startedAt: number; detectedAt: number; members: string[]; muted: boolean }): IncidentRow {
    const id = Number(this.st.insert.run(i.client, i.service, i.kind, i.priority, i.site ?? null, i.startedAt, i.detectedAt, JSON.stringify(i.members), i.muted ? 1 : 0).lastInsertRowid);
    this.audit(id, i.detectedAt, 'opened', null, { startedAt: i.startedAt, members: i.members, muted: i.muted });
    return this.get(id)!;
  }

  updateMembers(id: number, at: number, members: string[]): void {
    this.st.members.run(JSON.stringify(members), id);
    this.audit(id, at, 'updated', null, { members });
  }

  resolve(id: number, resolvedAt: number, detectedAt: number): boolean {
    const changed = this.st.resolve.run(resolvedAt, detectedAt, id).changes > 0;
    if (changed) this.audit(id, detectedAt, 'resolved', null, { resolvedAt });
    return changed;
  }

  /** First acknowledgement wins; later ones are recorded in the trail but change nothing. */
  acknowledge(id: number, at: number, by: string, via: string, note?: string): boolean {
    const changed = this.st.ack.run(at, by, id).changes > 0;
    this.audit(id, at, changed ? 'acknowledged' : 'acknowledged-again', by, { via, ...(note ? { note } : {}) });
    return changed;
  }

  escalate(id: number, at: number, level: number): boolean {
    const changed = this.st.escalate.run(level, id, level).changes > 0;
    if (changed) this.audit(id, at, 'escalated', null, { level });
    return changed;
  }

  audit(id: number, ts: number, kind: string, actor: string | null, detail: Record<string, unknown> | null): void {
    this.st.event.run(id, ts, kind, actor, detail ? JSON.stringify(detail) : null);
  }

  events(id: number): IncidentEvent[] {
    return (this.st.events.all(id) as Array<{ ts: number; kind: string; actor: string | null; detail: string | null }>).map((e) => ({ ...e, detail: e.detail ? JSON.parse(e.detail) : null }));
  }
}
