import { toDelivery } from '../rows.js';
import type { OutboxStore } from '../types.js';
import type { Exec } from './exec.js';

/**
 * The notification outbox on PostgreSQL. A claim locks the rows it takes (FOR UPDATE SKIP
 * LOCKED), so two collectors' workers never take one row; the per-(incident, channel)
 * order holds because a claimed row still counts as unsettled for the rows behind it.
 */
export function pgOutbox(x: Exec): OutboxStore {
  return {
    enqueue: async (incidentId, event, channel, body, at) =>
      (
        await x.q(
          `INSERT INTO deliveries (incident_id, event, channel, body, status, next_attempt_at, created_at) VALUES ($1, $2, $3, $4, 'pending', $5, $5)
        ON CONFLICT (incident_id, event, channel) DO NOTHING`,
          [incidentId, event, channel, body, at],
        )
      ).rowCount > 0,
    claimDue: async (now, channels, claim, leaseMs, limit) => {
      if (channels.length === 0) return [];
      const r = await x.q(
        `UPDATE deliveries SET status = 'sending', claim = $3, lease_until = $4 WHERE id IN (
          SELECT d.id FROM deliveries d
          WHERE ((d.status = 'pending' AND d.next_attempt_at <= $1) OR (d.status = 'sending' AND d.lease_until <= $1)) AND d.channel = ANY($2::text[])
            AND NOT EXISTS (SELECT 1 FROM deliveries e WHERE e.status IN ('pending', 'sending') AND e.incident_id = d.incident_id AND e.channel = d.channel AND e.id < d.id)
          ORDER BY d.id LIMIT $5 FOR UPDATE SKIP LOCKED)
        AND ((status = 'pending' AND next_attempt_at <= $1) OR (status = 'sending' AND lease_until <= $1))
        RETURNING id, incident_id, event, channel, body, attempts`,
        [now, channels, claim, now + leaseMs, limit],
      );
      return r.rows
        .map((d) => ({
          id: Number(d.id),
          incidentId: Number(d.incident_id),
          event: String(d.event),
          channel: String(d.channel),
          body: String(d.body),
          attempts: Number(d.attempts),
          claim,
        }))
        .sort((a, b) => a.id - b.id);
    },
    settle: async (id, claim, o) =>
      (
        await x.q(
          `UPDATE deliveries SET status = $1, attempts = attempts + 1, delivered_at = $2, next_attempt_at = COALESCE($3, next_attempt_at),
        last_error = $4, claim = NULL, lease_until = NULL WHERE id = $5 AND status = 'sending' AND claim = $6`,
          [
            o.status,
            o.status === 'delivered' ? Math.round(o.at) : null,
            o.nextAttemptAt === undefined ? null : Math.round(o.nextAttemptAt),
            o.error ?? null,
            id,
            claim,
          ],
        )
      ).rowCount > 0,
    deliveries: async (incidentId) => (await x.q('SELECT * FROM deliveries WHERE incident_id = $1 ORDER BY id', [incidentId])).rows.map(toDelivery),
    channelsTold: async (incidentId) =>
      (await x.q('SELECT DISTINCT channel FROM deliveries WHERE incident_id = $1 ORDER BY channel', [incidentId])).rows.map((r) => String(r.channel)),
    firstDelivered: async (incidentId, event) => {
      const r = (
        await x.q(`SELECT MIN(delivered_at) AS at, COUNT(*) AS n FROM deliveries WHERE incident_id = $1 AND event = $2 AND status = 'delivered'`, [
          incidentId,
          event,
        ])
      ).rows[0]!;
      return { at: r.at === null ? null : Number(r.at), count: Number(r.n) };
    },
    pendingCount: async () => Number((await x.q(`SELECT COUNT(*) AS n FROM deliveries WHERE status IN ('pending', 'sending')`)).rows[0]!.n),
  };
}
