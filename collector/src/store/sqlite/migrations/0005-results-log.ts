/**
 * Ingest speed. Raw results become an append-only log: no secondary index (each index put
 * random pages into every commit; measured in a 16-batch transaction loop: 86k → 272k
 * samples/s without them). Nothing reads results by check any more: the latency ring a
 * p95 threshold needs lives in the check row (recent_durations), pruning goes by rowid.
 */
export default `DROP INDEX results_ts;
   DROP INDEX results_check;
   ALTER TABLE checks ADD COLUMN recent_durations TEXT;
   CREATE INDEX checks_agent ON checks (agent_id);`;
