/** Issued reports, archived as sent (SQLite migration 8); UPDATE, DELETE and TRUNCATE refused by triggers. */
export default `CREATE TABLE report_archive (id BIGSERIAL PRIMARY KEY, client_id TEXT NOT NULL, period TEXT NOT NULL, version INTEGER NOT NULL,
     issued_at BIGINT NOT NULL, issued_by TEXT NOT NULL, reason TEXT, status TEXT NOT NULL, sha256 TEXT NOT NULL, json TEXT NOT NULL,
     UNIQUE (client_id, period, version));
   CREATE FUNCTION vigil_report_archive_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
     BEGIN RAISE EXCEPTION 'the report archive is append-only'; END $$;
   CREATE TRIGGER report_archive_no_change BEFORE UPDATE OR DELETE ON report_archive FOR EACH ROW EXECUTE FUNCTION vigil_report_archive_append_only();
   CREATE TRIGGER report_archive_no_truncate BEFORE TRUNCATE ON report_archive FOR EACH STATEMENT EXECUTE FUNCTION vigil_report_archive_append_only();`;
