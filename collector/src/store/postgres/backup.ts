import { VigilError } from '../../../../shared/errors.js';

/**
 * PostgreSQL is backed up with its own tools: pg_dump is consistent while the collector writes
 * (one repeatable-read snapshot), and Vigil does not wrap it, since a pg_dump of the server's own
 * version has to be installed for that anyway. The error names the commands (README,
 * "Operations: backup, restore, sizing"). `location` is the URL with its password masked.
 */
export function postgresBackupUnsupported(location: string, what: 'backup' | 'restore' = 'backup'): VigilError {
  return new VigilError(
    'BACKUP_UNSUPPORTED',
    `the store is PostgreSQL (${location}): ${what === 'backup' ? 'back it up' : 'restore it'} with PostgreSQL's own tools. ` +
      'Backup (consistent while the collector runs): pg_dump --format=custom --file=vigil.dump "$VIGIL_STORE_URL". ' +
      'Restore (collector stopped, into an empty database): pg_restore --no-owner --dbname="$VIGIL_STORE_URL" vigil.dump',
  );
}
