/**
 * bench:sizing's reading of a stopped collector's SQLite file: bytes in use per table (with its
 * indexes), from SQLite's own page accounting (the dbstat table), and row counts. The file's
 * size is pages in use plus free pages, which SQLite reuses before it grows the file again.
 */
import BetterSqlite3 from 'better-sqlite3';
import { statSync } from 'node:fs';

/** Tables grouped as the sizing section of the README reports them. */
export const GROUPS: Record<string, string[]> = {
  results: ['results'],
  transitions: ['transitions'],
  incidents: ['incidents', 'incident_events', 'deliveries'],
  rollups: ['quality_slots'],
  batches: ['batches'],
};

export interface DbReading {
  fileBytes: number;
  usedBytes: number;
  pageSize: number;
  /** Bytes in use per group of GROUPS, and `other` for the rest (schema, agents, checks, settings …). */
  groups: Record<string, number>;
  rows: Record<string, number>;
}

export function readDb(file: string): DbReading {
  const db = new BetterSqlite3(file, { readonly: true, fileMustExist: true });
  try {
    const pageSize = db.pragma('page_size', { simple: true }) as number;
    const pages = db.pragma('page_count', { simple: true }) as number;
    const free = db.pragma('freelist_count', { simple: true }) as number;
    const tableOf = new Map(
      (db.prepare('SELECT name, tbl_name FROM sqlite_master WHERE type IN (?, ?)').all('table', 'index') as Array<{ name: string; tbl_name: string }>).map(
        (r) => [r.name, r.tbl_name],
      ),
    );
    const groupOf = (table: string) => Object.keys(GROUPS).find((g) => GROUPS[g]!.includes(table)) ?? 'other';
    const groups: Record<string, number> = Object.fromEntries([...Object.keys(GROUPS), 'other'].map((g) => [g, 0]));
    for (const r of db.prepare('SELECT name, SUM(pgsize) AS bytes FROM dbstat GROUP BY name').all() as Array<{ name: string; bytes: number }>) {
      const g = groupOf(tableOf.get(r.name) ?? r.name);
      groups[g] = (groups[g] ?? 0) + r.bytes;
    }
    const count = (t: string) => (tableOf.has(t) ? (db.prepare(`SELECT COUNT(*) AS n FROM ${t}`).get() as { n: number }).n : 0);
    const rows = Object.fromEntries(['results', 'transitions', 'incidents', 'batches', 'quality_slots'].map((t) => [t, count(t)]));
    return { fileBytes: statSync(file).size, usedBytes: (pages - free) * pageSize, pageSize, groups, rows };
  } finally {
    db.close();
  }
}

/** `after` less `before`, per field. */
export function growth(before: DbReading, after: DbReading): { usedBytes: number; groups: Record<string, number>; rows: Record<string, number> } {
  const minus = (a: Record<string, number>, b: Record<string, number>) => Object.fromEntries(Object.keys(a).map((k) => [k, a[k]! - (b[k] ?? 0)]));
  return { usedBytes: after.usedBytes - before.usedBytes, groups: minus(after.groups, before.groups), rows: minus(after.rows, before.rows) };
}
