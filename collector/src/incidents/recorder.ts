import type { Database } from 'better-sqlite3';
import type { Clock } from '../../../shared/clock.js';
import { isInMaintenance } from '../../../shared/sla/maintenance.js';
import { selectDefinition } from '../../../shared/sla/definition.js';
import type { SlaDefinition } from '../../../shared/sla/types.js';
import type { EngineListener, ServiceTransitionEvent } from '../engine/events.js';
import type { Outbox } from '../notify/outbox.js';

/**
 * Service-level incidents: opened when a service goes down (started = when the
 * condition began, detected = when confirmed), resolved when it comes back up. Each
 * open/resolve queues one notification per channel; delivery times land in `deliveries`.
 * Downs that begin inside a maintenance window are recorded but not notified.
 */
export function incidentRecorder(db: Database, outbox: Outbox, clock: Clock, definitions: () => readonly SlaDefinition[], clientsOf: (channel: string) => string[] | undefined): EngineListener {
  const open = db.prepare(`SELECT id, started_at, detected_at FROM incidents WHERE client_id = ? AND service = ? AND status = 'open' ORDER BY id DESC LIMIT 1`);
  const insert = db.prepare(`INSERT INTO incidents (client_id, service, kind, status, started_at, detected_at, members) VALUES (?, ?, 'service-down', 'open', ?, ?, ?)`);
  const resolve = db.prepare(`UPDATE incidents SET status = 'resolved', resolved_at = ?, resolve_detected_at = ? WHERE id = ?`);
  const forClient = (client: string) => (ch: { name: string }) => {
    const clients = clientsOf(ch.name);
    return !clients || clients.includes(client);
  };
  const muted = (e: ServiceTransitionEvent): boolean => {
    const def = selectDefinition(definitions(), e.client, e.ts);
    const svc = def?.services.find((s) => s.id === e.service);
    return !!(def && svc && isInMaintenance(svc, def.timezone, e.ts));
  };
  return {
    onServiceTransition(e) {
      const current = open.get(e.client, e.service) as { id: number; started_at: number; detected_at: number } | undefined;
      if (e.to === 'down' && !current) {
        const id = Number(insert.run(e.client, e.service, e.ts, e.detectedAt, JSON.stringify(e.membersDown)).lastInsertRowid);
        if (muted(e)) return;
        outbox.enqueue(id, 'down', {
          event: 'service.down', incident: { id, client: e.client, service: e.service, startedAt: new Date(e.ts).toISOString(), detectedAt: new Date(e.detectedAt).toISOString(), membersDown: e.membersDown },
          sentAt: new Date(clock.now()).toISOString(),
        }, forClient(e.client));
      } else if (e.to === 'up' && current) {
        resolve.run(e.ts, e.detectedAt, current.id);
        const notified = (db.prepare(`SELECT COUNT(*) AS n FROM deliveries WHERE incident_id = ? AND event = 'down'`).get(current.id) as { n: number }).n > 0;
        if (!notified) return;
        outbox.enqueue(current.id, 'up', {
          event: 'service.up', incident: { id: current.id, client: e.client, service: e.service, startedAt: new Date(current.started_at).toISOString(), detectedAt: new Date(current.detected_at).toISOString(), resolvedAt: new Date(e.ts).toISOString(), durationSeconds: (e.ts - current.started_at) / 1000 },
          sentAt: new Date(clock.now()).toISOString(),
        }, forClient(e.client));
      }
    },
  };
}
