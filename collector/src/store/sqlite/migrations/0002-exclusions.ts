/** Manual SLA exclusions (carve-outs). */
export default `CREATE TABLE exclusions (id INTEGER PRIMARY KEY AUTOINCREMENT, client_id TEXT NOT NULL, service TEXT NOT NULL,
     start_ts INTEGER NOT NULL, end_ts INTEGER NOT NULL, reason TEXT NOT NULL, added_by TEXT NOT NULL, added_at INTEGER NOT NULL);
   CREATE INDEX exclusions_client ON exclusions (client_id, start_ts);`;
