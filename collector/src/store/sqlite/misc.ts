import type { Database } from 'better-sqlite3';
import { toExclusion, type Raw } from '../rows.js';
import type { ExclusionStore, SettingsStore } from '../types.js';
import type { Run } from './gate.js';

export function sqliteExclusions(db: Database, run: Run): ExclusionStore {
  const insert = db.prepare('INSERT INTO exclusions (client_id, service, start_ts, end_ts, reason, added_by, added_at) VALUES (?, ?, ?, ?, ?, ?, ?)');
  const overlap = db.prepare('SELECT * FROM exclusions WHERE client_id = ? AND start_ts < ? AND end_ts > ? ORDER BY start_ts, id');
  return {
    add: (client, e) => run(() => Number(insert.run(client, e.service, e.start, e.end, e.reason, e.addedBy, e.addedAt).lastInsertRowid)),
    list: (client, from, to) => run(() => (overlap.all(client, to, from) as Raw[]).map(toExclusion)),
  };
}

export function sqliteSettings(db: Database, run: Run): SettingsStore {
  const get = db.prepare('SELECT value FROM settings WHERE key = ?');
  const put = db.prepare('INSERT OR IGNORE INTO settings (key, value) VALUES (?, ?)');
  return {
    get: (key) => run(() => (get.get(key) as { value: string } | undefined)?.value),
    putIfAbsent: (key, value) =>
      run(() => {
        put.run(key, value);
        return (get.get(key) as { value: string }).value;
      }),
  };
}
