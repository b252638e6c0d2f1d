import type { Database } from 'better-sqlite3';
import { toDelivery, type Raw } from '../rows.js';
import type { ClaimedDelivery, OutboxStore } from '../types.js';
import type { Run } from './gate.js';

/** The notification outbox on SQLite. Claims are made in one synchronous transaction, so two workers cannot take one row. */
export function sqliteOutbox(db: Database, run: Run): OutboxStore {
  const s = {
    insert: db.prepare(
      `INSERT OR IGNORE INTO deliveries (incident_id, event, channel, body, status, next_attempt_at, created_at) VALUES (?, ?, ?, ?, 'pending', ?, ?)`,
    ),
    // the oldest unsettled row of each (incident, channel) only: a RESOLVED never overtakes its DOWN
    due: db.prepare(`SELECT d.id, d.incident_id, d.event, d.channel, d.body, d.attempts FROM deliveries d
      WHERE ((d.status = 'pending' AND d.next_attempt_at <= ?) OR (d.status = 'sending' AND d.lease_until <= ?))
        AND NOT EXISTS (SELECT 1 FROM deliveries e WHERE e.status IN ('pending', 'sending') AND e.incident_id = d.incident_id AND e.channel = d.channel AND e.id < d.id)
      ORDER BY d.id`),
    claim: db.prepare(`UPDATE deliveries SET status = 'sending', claim = ?, lease_until = ? WHERE id = ?`),
    settle: db.prepare(`UPDATE deliveries SET status = ?, attempts = attempts + 1, delivered_at = ?, next_attempt_at = COALESCE(?, next_attempt_at),
      last_error = ?, claim = NULL, lease_until = NULL WHERE id = ? AND status = 'sending' AND claim = ?`),
    list: db.prepare('SELECT * FROM deliveries WHERE incident_id = ? ORDER BY id'),
    channels: db.prepare('SELECT DISTINCT channel FROM deliveries WHERE incident_id = ? ORDER BY channel'),
    first: db.prepare(`SELECT MIN(delivered_at) AS at, COUNT(*) AS n FROM deliveries WHERE incident_id = ? AND event = ? AND status = 'delivered'`),
    pending: db.prepare(`SELECT COUNT(*) AS n FROM deliveries WHERE status IN ('pending', 'sending')`),
  };
  const claim = db.transaction((now: number, channels: readonly string[], token: string, leaseMs: number, limit: number): ClaimedDelivery[] => {
    const wanted = new Set(channels);
    const out: ClaimedDelivery[] = [];
    for (const r of s.due.all(now, now) as Raw[]) {
      if (out.length >= limit) break;
      if (!wanted.has(String(r.channel))) continue;
      s.claim.run(token, now + leaseMs, r.id);
      out.push({
        id: Number(r.id),
        incidentId: Number(r.incident_id),
        event: String(r.event),
        channel: String(r.channel),
        body: String(r.body),
        attempts: Number(r.attempts),
        claim: token,
      });
    }
    return out;
  });
  return {
    enqueue: (incidentId, event, channel, body, at) => run(() => s.insert.run(incidentId, event, channel, body, at, at).changes > 0),
    claimDue: (now, channels, token, leaseMs, limit) => run(() => claim(now, channels, token, leaseMs, limit)),
    settle: (id, token, o) =>
      run(
        () =>
          s.settle.run(
            o.status,
            o.status === 'delivered' ? Math.round(o.at) : null,
            o.nextAttemptAt === undefined ? null : Math.round(o.nextAttemptAt),
            o.error ?? null,
            id,
            token,
          ).changes > 0,
      ),
    deliveries: (incidentId) => run(() => (s.list.all(incidentId) as Raw[]).map(toDelivery)),
    channelsTold: (incidentId) => run(() => (s.channels.all(incidentId) as Array<{ channel: string }>).map((r) => r.channel)),
    firstDelivered: (incidentId, event) =>
      run(() => {
        const r = s.first.get(incidentId, event) as { at: number | null; n: number };
        return { at: r.at, count: r.n };
      }),
    pendingCount: () => run(() => (s.pending.get() as { n: number }).n),
  };
}
