/**
 * What each agent runs, from its heartbeats (the fleet view, collector/src/fleet); SQLite migration 9.
 * runtime_at is when reported: NULL for an agent that never did.
 */
export default `ALTER TABLE agents ADD COLUMN agent_version TEXT, ADD COLUMN os TEXT, ADD COLUMN started_at BIGINT,
     ADD COLUMN config_source TEXT, ADD COLUMN config_version TEXT, ADD COLUMN config_state TEXT,
     ADD COLUMN config_rejected_version TEXT, ADD COLUMN config_problems TEXT, ADD COLUMN runtime_at BIGINT;`;
