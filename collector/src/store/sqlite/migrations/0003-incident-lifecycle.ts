/** Incident lifecycle: priority, acknowledgement, escalation, maintenance mute, audit trail. */
export default `ALTER TABLE incidents ADD COLUMN priority TEXT NOT NULL DEFAULT 'p2';
   ALTER TABLE incidents ADD COLUMN site_id TEXT;
   ALTER TABLE incidents ADD COLUMN acknowledged_at INTEGER;
   ALTER TABLE incidents ADD COLUMN acknowledged_by TEXT;
   ALTER TABLE incidents ADD COLUMN escalation_level INTEGER NOT NULL DEFAULT 0;
   ALTER TABLE incidents ADD COLUMN muted INTEGER NOT NULL DEFAULT 0;
   CREATE INDEX incidents_open ON incidents (status, client_id, service);
   CREATE TABLE incident_events (id INTEGER PRIMARY KEY AUTOINCREMENT, incident_id INTEGER NOT NULL, ts INTEGER NOT NULL,
     kind TEXT NOT NULL, actor TEXT, detail TEXT);
   CREATE INDEX incident_events_incident ON incident_events (incident_id, id);
   CREATE INDEX deliveries_pending ON deliveries (status, next_attempt_at);
   CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;`;
