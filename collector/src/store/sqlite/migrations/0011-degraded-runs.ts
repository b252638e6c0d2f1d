/** Runs in which a check was up only because degraded counts as up (engine/degraded-runs.ts); end_ts NULL while open. */
export default `CREATE TABLE degraded_runs (client_id TEXT NOT NULL, check_id TEXT NOT NULL, start_ts INTEGER NOT NULL, end_ts INTEGER,
     PRIMARY KEY (client_id, check_id, start_ts)) WITHOUT ROWID;
   CREATE INDEX degraded_runs_open ON degraded_runs (end_ts) WHERE end_ts IS NULL;`;
