/**
 * VoIP quality per check in 15-minute slots (issue 15's quality section): a histogram of MOS by 0.1
 * (bucket = floor(MOS × 10)), kept with the transitions rather than the raw results, which are pruned
 * after retention.samplesDays and have no index a month's report could use.
 */
export default `CREATE TABLE quality_slots (client_id TEXT NOT NULL, check_id TEXT NOT NULL, slot INTEGER NOT NULL, bucket INTEGER NOT NULL,
     n INTEGER NOT NULL, PRIMARY KEY (client_id, check_id, slot, bucket)) WITHOUT ROWID;`;
