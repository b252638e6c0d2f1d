/**
 * The agents' disk spool figures from their heartbeats (depth, oldest age, loss counters), for
 * /metrics and the API. spool_at is when they were reported: NULL for an agent that sends none.
 */
export default `ALTER TABLE agents ADD COLUMN spool_batches INTEGER;
   ALTER TABLE agents ADD COLUMN spool_bytes INTEGER;
   ALTER TABLE agents ADD COLUMN spool_oldest_age_seconds REAL;
   ALTER TABLE agents ADD COLUMN spool_dropped_batches INTEGER;
   ALTER TABLE agents ADD COLUMN spool_dropped_samples INTEGER;
   ALTER TABLE agents ADD COLUMN spool_corrupt_records INTEGER;
   ALTER TABLE agents ADD COLUMN spool_at INTEGER;`;
