/** The first release's schema. Never edit a shipped migration: add the next file. */
export default `CREATE TABLE enrollment_tokens (
     id TEXT PRIMARY KEY, token_hash TEXT NOT NULL UNIQUE, client_id TEXT NOT NULL, site_id TEXT NOT NULL,
     created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL, max_uses INTEGER, uses INTEGER NOT NULL DEFAULT 0,
     revoked_at INTEGER, note TEXT);
   CREATE TABLE agents (
     id TEXT PRIMARY KEY, client_id TEXT NOT NULL, site_id TEXT NOT NULL, hostname TEXT NOT NULL,
     token_hash TEXT NOT NULL UNIQUE, created_at INTEGER NOT NULL, revoked_at INTEGER,
     last_seen INTEGER, heartbeat_interval_ms INTEGER, reachable INTEGER NOT NULL DEFAULT 1);
   CREATE TABLE batches (agent_id TEXT NOT NULL, seq INTEGER NOT NULL, received_at INTEGER NOT NULL, samples INTEGER NOT NULL,
     PRIMARY KEY (agent_id, seq)) WITHOUT ROWID;
   CREATE TABLE checks (
     client_id TEXT NOT NULL, check_id TEXT NOT NULL, agent_id TEXT NOT NULL, site_id TEXT NOT NULL, type TEXT NOT NULL,
     target TEXT, labels TEXT NOT NULL DEFAULT '{}', interval_ms INTEGER, timeout_ms INTEGER,
     last_ts INTEGER, last_status TEXT, last_duration_ms REAL, last_metrics TEXT,
     state TEXT NOT NULL DEFAULT 'unknown', state_since INTEGER, run_status TEXT, run_count INTEGER NOT NULL DEFAULT 0, run_start INTEGER,
     PRIMARY KEY (client_id, check_id));
   CREATE TABLE results (client_id TEXT NOT NULL, check_id TEXT NOT NULL, ts INTEGER NOT NULL, status TEXT NOT NULL,
     reason TEXT, duration_ms REAL NOT NULL, metrics TEXT);
   CREATE INDEX results_ts ON results (ts);
   CREATE INDEX results_check ON results (client_id, check_id, ts);
   CREATE TABLE host_metrics (agent_id TEXT NOT NULL, name TEXT NOT NULL, labels TEXT NOT NULL, ts INTEGER NOT NULL, value REAL NOT NULL,
     PRIMARY KEY (agent_id, name, labels)) WITHOUT ROWID;
   CREATE TABLE transitions (client_id TEXT NOT NULL, check_id TEXT NOT NULL, ts INTEGER NOT NULL, state TEXT NOT NULL,
     detected_at INTEGER NOT NULL, reason TEXT);
   CREATE INDEX transitions_check ON transitions (client_id, check_id, ts);
   CREATE TABLE rollups_hourly (client_id TEXT NOT NULL, check_id TEXT NOT NULL, hour INTEGER NOT NULL,
     up INTEGER NOT NULL DEFAULT 0, down INTEGER NOT NULL DEFAULT 0, degraded INTEGER NOT NULL DEFAULT 0, duration_ms_sum REAL NOT NULL DEFAULT 0,
     PRIMARY KEY (client_id, check_id, hour)) WITHOUT ROWID;
   CREATE TABLE incidents (id INTEGER PRIMARY KEY AUTOINCREMENT, client_id TEXT NOT NULL, service TEXT NOT NULL, kind TEXT NOT NULL,
     status TEXT NOT NULL, started_at INTEGER NOT NULL, detected_at INTEGER NOT NULL, resolved_at INTEGER, resolve_detected_at INTEGER,
     members TEXT NOT NULL DEFAULT '[]');
   CREATE TABLE deliveries (id INTEGER PRIMARY KEY AUTOINCREMENT, incident_id INTEGER NOT NULL, event TEXT NOT NULL, channel TEXT NOT NULL,
     body TEXT NOT NULL, status TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, next_attempt_at INTEGER NOT NULL,
     created_at INTEGER NOT NULL, delivered_at INTEGER, last_error TEXT, UNIQUE (incident_id, event, channel));`;
