/** The schema as of the store seam (SQLite migrations 1–5 in one; raw results an append-only log with a BRIN index for pruning). Never edit a shipped migration: add the next file. */
export default `CREATE TABLE enrollment_tokens (
     id TEXT PRIMARY KEY, token_hash TEXT NOT NULL UNIQUE, client_id TEXT NOT NULL, site_id TEXT NOT NULL,
     created_at BIGINT NOT NULL, expires_at BIGINT NOT NULL, max_uses INTEGER, uses INTEGER NOT NULL DEFAULT 0,
     revoked_at BIGINT, note TEXT);
   CREATE TABLE agents (
     id TEXT PRIMARY KEY, client_id TEXT NOT NULL, site_id TEXT NOT NULL, hostname TEXT NOT NULL,
     token_hash TEXT NOT NULL UNIQUE, created_at BIGINT NOT NULL, revoked_at BIGINT,
     last_seen BIGINT, heartbeat_interval_ms BIGINT, reachable INTEGER NOT NULL DEFAULT 1);
   CREATE INDEX agents_client ON agents (client_id);
   CREATE TABLE batches (agent_id TEXT NOT NULL, seq BIGINT NOT NULL, received_at BIGINT NOT NULL, samples INTEGER NOT NULL,
     PRIMARY KEY (agent_id, seq));
   CREATE TABLE checks (
     client_id TEXT NOT NULL, check_id TEXT NOT NULL, agent_id TEXT NOT NULL, site_id TEXT NOT NULL, type TEXT NOT NULL,
     target TEXT, labels TEXT NOT NULL DEFAULT '{}', interval_ms BIGINT, timeout_ms BIGINT,
     last_ts BIGINT, last_status TEXT, last_duration_ms DOUBLE PRECISION, last_metrics TEXT,
     state TEXT NOT NULL DEFAULT 'unknown', state_since BIGINT, run_status TEXT, run_count INTEGER NOT NULL DEFAULT 0, run_start BIGINT,
     recent_durations TEXT, PRIMARY KEY (client_id, check_id));
   CREATE INDEX checks_agent ON checks (agent_id);
   CREATE TABLE results (client_id TEXT NOT NULL, check_id TEXT NOT NULL, ts BIGINT NOT NULL, status TEXT NOT NULL,
     reason TEXT, duration_ms DOUBLE PRECISION NOT NULL, metrics TEXT);
   CREATE INDEX results_ts ON results USING brin (ts);
   CREATE TABLE host_metrics (agent_id TEXT NOT NULL, name TEXT NOT NULL, labels TEXT NOT NULL, ts BIGINT NOT NULL, value DOUBLE PRECISION NOT NULL,
     PRIMARY KEY (agent_id, name, labels));
   CREATE TABLE transitions (id BIGSERIAL PRIMARY KEY, client_id TEXT NOT NULL, check_id TEXT NOT NULL, ts BIGINT NOT NULL, state TEXT NOT NULL,
     detected_at BIGINT NOT NULL, reason TEXT);
   CREATE INDEX transitions_check ON transitions (client_id, check_id, ts, id);
   CREATE TABLE incidents (id BIGSERIAL PRIMARY KEY, client_id TEXT NOT NULL, service TEXT NOT NULL, kind TEXT NOT NULL,
     status TEXT NOT NULL, started_at BIGINT NOT NULL, detected_at BIGINT NOT NULL, resolved_at BIGINT, resolve_detected_at BIGINT,
     members TEXT NOT NULL DEFAULT '[]', priority TEXT NOT NULL DEFAULT 'p2', site_id TEXT, acknowledged_at BIGINT, acknowledged_by TEXT,
     escalation_level INTEGER NOT NULL DEFAULT 0, muted INTEGER NOT NULL DEFAULT 0);
   CREATE INDEX incidents_open ON incidents (status, client_id, service);
   CREATE TABLE incident_events (id BIGSERIAL PRIMARY KEY, incident_id BIGINT NOT NULL, ts BIGINT NOT NULL, kind TEXT NOT NULL, actor TEXT, detail TEXT);
   CREATE INDEX incident_events_incident ON incident_events (incident_id, id);
   CREATE TABLE deliveries (id BIGSERIAL PRIMARY KEY, incident_id BIGINT NOT NULL, event TEXT NOT NULL, channel TEXT NOT NULL,
     body TEXT NOT NULL, status TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, next_attempt_at BIGINT NOT NULL,
     created_at BIGINT NOT NULL, delivered_at BIGINT, last_error TEXT, claim TEXT, lease_until BIGINT, UNIQUE (incident_id, event, channel));
   CREATE INDEX deliveries_pending ON deliveries (status, next_attempt_at);
   CREATE INDEX deliveries_incident ON deliveries (incident_id, channel, id);
   CREATE TABLE exclusions (id BIGSERIAL PRIMARY KEY, client_id TEXT NOT NULL, service TEXT NOT NULL,
     start_ts BIGINT NOT NULL, end_ts BIGINT NOT NULL, reason TEXT NOT NULL, added_by TEXT NOT NULL, added_at BIGINT NOT NULL);
   CREATE INDEX exclusions_client ON exclusions (client_id, start_ts);
   CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);`;
