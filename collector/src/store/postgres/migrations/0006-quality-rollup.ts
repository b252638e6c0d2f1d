/** VoIP quality per check in 15-minute slots, as SQLite migration 0010 (a histogram of MOS by 0.1). */
export default `CREATE TABLE quality_slots (client_id TEXT NOT NULL, check_id TEXT NOT NULL, slot BIGINT NOT NULL, bucket INTEGER NOT NULL,
     n INTEGER NOT NULL, PRIMARY KEY (client_id, check_id, slot, bucket));`;
