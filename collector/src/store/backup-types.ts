/**
 * What a backup of the store reports (`vigil collector backup`, Store.backup). The copy is one
 * self-contained file, 0600, checked (integrity, schema version) before it is given its name:
 * a file at the destination path is always a whole, verified backup.
 */

/** After each copy step: pages in the database, pages still to copy. */
export interface BackupProgress {
  totalPages: number;
  remainingPages: number;
}

/**
 * Called after each step; the number it returns is how many pages the next step copies
 * (0 copies none and lets the event loop run once more), undefined keeps the default.
 */
export type BackupProgressFn = (p: BackupProgress) => number | undefined;

/** What a checked Vigil database file holds, read from it (a backup, or a file about to be restored). */
export interface DatabaseFacts {
  /** Its schema version (the number of migrations applied to it). */
  schemaVersion: number;
  pages: number;
  bytes: number;
  /** The timestamp (ms) of the last result stored in it, null when it holds none. */
  lastResultAt: number | null;
}

export interface BackupResult extends DatabaseFacts {
  /** The backup's absolute path. */
  path: string;
  /** The database it was taken from. */
  source: string;
  durationMs: number;
}

export interface RestoreResult extends DatabaseFacts {
  /** The database file now in place. */
  path: string;
  /** Where the database it replaced was kept (`<db>.before-restore-<time>`), when there was one. */
  keptAs?: string;
}
