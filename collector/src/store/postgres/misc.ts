import { toExclusion } from '../rows.js';
import type { ExclusionStore, SettingsStore } from '../types.js';
import type { Exec } from './exec.js';

export function pgExclusions(x: Exec): ExclusionStore {
  return {
    add: async (client, e) =>
      Number(
        (
          await x.q(
            `INSERT INTO exclusions (client_id, service, start_ts, end_ts, reason, added_by, added_at)
      VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
            [client, e.service, e.start, e.end, e.reason, e.addedBy, e.addedAt],
          )
        ).rows[0]!.id,
      ),
    list: async (client, from, to) =>
      (await x.q('SELECT * FROM exclusions WHERE client_id = $1 AND start_ts < $2 AND end_ts > $3 ORDER BY start_ts, id', [client, to, from])).rows.map(
        toExclusion,
      ),
  };
}

export function pgSettings(x: Exec): SettingsStore {
  return {
    get: async (key) => {
      const r = (await x.q('SELECT value FROM settings WHERE key = $1', [key])).rows[0];
      return r ? String(r.value) : undefined;
    },
    putIfAbsent: async (key, value) => {
      await x.q('INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING', [key, value]);
      return String((await x.q('SELECT value FROM settings WHERE key = $1', [key])).rows[0]!.value);
    },
  };
}
