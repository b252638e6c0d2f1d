/**
 * What each agent runs, from its heartbeats (the fleet view, collector/src/fleet): its version, OS,
 * start time and the configuration it runs (source central/local, version, state applied/rejected/none,
 * the version it refused last and its problems as JSON). runtime_at is when reported: NULL for an agent
 * that never did.
 */
export default `ALTER TABLE agents ADD COLUMN agent_version TEXT;
   ALTER TABLE agents ADD COLUMN os TEXT;
   ALTER TABLE agents ADD COLUMN started_at INTEGER;
   ALTER TABLE agents ADD COLUMN config_source TEXT;
   ALTER TABLE agents ADD COLUMN config_version TEXT;
   ALTER TABLE agents ADD COLUMN config_state TEXT;
   ALTER TABLE agents ADD COLUMN config_rejected_version TEXT;
   ALTER TABLE agents ADD COLUMN config_problems TEXT;
   ALTER TABLE agents ADD COLUMN runtime_at INTEGER;`;
