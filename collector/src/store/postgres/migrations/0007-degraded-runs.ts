/** Degraded-but-counted-up runs, as SQLite migration 0011; end_ts NULL while open. */
export default `CREATE TABLE degraded_runs (client_id TEXT NOT NULL, check_id TEXT NOT NULL, start_ts BIGINT NOT NULL, end_ts BIGINT,
     PRIMARY KEY (client_id, check_id, start_ts));
   CREATE INDEX degraded_runs_open ON degraded_runs (end_ts) WHERE end_ts IS NULL;`;
