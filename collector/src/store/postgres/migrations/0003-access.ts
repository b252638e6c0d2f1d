/** Access control: API tokens and the append-only audit log (SQLite migration 7); UPDATE, DELETE and TRUNCATE refused by triggers. */
export default `CREATE TABLE api_tokens (id TEXT PRIMARY KEY, name TEXT NOT NULL, role TEXT NOT NULL, clients TEXT NOT NULL,
     token_hash TEXT NOT NULL UNIQUE, created_at BIGINT NOT NULL, created_by TEXT NOT NULL, expires_at BIGINT, revoked_at BIGINT);
   CREATE TABLE audit_log (id BIGSERIAL PRIMARY KEY, ts BIGINT NOT NULL, principal TEXT NOT NULL, role TEXT NOT NULL,
     action TEXT NOT NULL, target TEXT NOT NULL, client_id TEXT, source TEXT NOT NULL, detail TEXT NOT NULL);
   CREATE INDEX audit_log_ts ON audit_log (ts);
   CREATE FUNCTION vigil_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
     BEGIN RAISE EXCEPTION 'the audit log is append-only'; END $$;
   CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log FOR EACH ROW EXECUTE FUNCTION vigil_audit_append_only();
   CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log FOR EACH STATEMENT EXECUTE FUNCTION vigil_audit_append_only();`;
