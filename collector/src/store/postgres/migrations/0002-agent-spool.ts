/**
 * The agents' disk spool figures from their heartbeats (depth, oldest age, loss counters), for
 * /metrics and the API; SQLite migration 6. spool_at is when they were reported: NULL for an agent that sends none.
 */
export default `ALTER TABLE agents ADD COLUMN spool_batches BIGINT, ADD COLUMN spool_bytes BIGINT,
     ADD COLUMN spool_oldest_age_seconds DOUBLE PRECISION, ADD COLUMN spool_dropped_batches BIGINT,
     ADD COLUMN spool_dropped_samples BIGINT, ADD COLUMN spool_corrupt_records BIGINT, ADD COLUMN spool_at BIGINT;`;
