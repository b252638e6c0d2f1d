/**
 * Access control (issue 14): named API tokens (only the SHA-256 of the secret is kept) and the
 * append-only audit log; UPDATE and DELETE on it are refused by triggers, not only by the code.
 */
export default `CREATE TABLE api_tokens (id TEXT PRIMARY KEY, name TEXT NOT NULL, role TEXT NOT NULL, clients TEXT NOT NULL,
     token_hash TEXT NOT NULL UNIQUE, created_at INTEGER NOT NULL, created_by TEXT NOT NULL, expires_at INTEGER, revoked_at INTEGER);
   CREATE TABLE audit_log (id INTEGER PRIMARY KEY AUTOINCREMENT, ts INTEGER NOT NULL, principal TEXT NOT NULL, role TEXT NOT NULL,
     action TEXT NOT NULL, target TEXT NOT NULL, client_id TEXT, source TEXT NOT NULL, detail TEXT NOT NULL);
   CREATE INDEX audit_log_ts ON audit_log (ts);
   CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
   CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;`;
