/** Issued reports, archived as sent (issue 15): append-only like the audit log, one row per version of (client, period). */
export default `CREATE TABLE report_archive (id INTEGER PRIMARY KEY AUTOINCREMENT, client_id TEXT NOT NULL, period TEXT NOT NULL, version INTEGER NOT NULL,
     issued_at INTEGER NOT NULL, issued_by TEXT NOT NULL, reason TEXT, status TEXT NOT NULL, sha256 TEXT NOT NULL, json TEXT NOT NULL,
     UNIQUE (client_id, period, version));
   CREATE TRIGGER report_archive_no_update BEFORE UPDATE ON report_archive BEGIN SELECT RAISE(ABORT, 'the report archive is append-only'); END;
   CREATE TRIGGER report_archive_no_delete BEFORE DELETE ON report_archive BEGIN SELECT RAISE(ABORT, 'the report archive is append-only'); END;`;
