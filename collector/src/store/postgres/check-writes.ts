import { CHECK_COLUMNS, CHECK_WIDTH, checkParams } from '../rows.js';
import type { CheckRow, TransitionRow } from '../types.js';
import type { Exec } from './exec.js';

/** Writing check states and transitions, shared by single and grouped batch writes. */
const CHECK_TYPES = [
  'text',
  'text',
  'text',
  'text',
  'text',
  'text',
  'text',
  'bigint',
  'bigint',
  'bigint',
  'text',
  'float8',
  'text',
  'text',
  'bigint',
  'text',
  'int',
  'bigint',
  'text',
];
const UNNEST_CHECKS = `SELECT * FROM unnest(${CHECK_TYPES.map((t, i) => `$${i + 1}::${t}[]`).join(', ')})`;
const UPSERT_CHECKS = `INSERT INTO checks (${CHECK_COLUMNS}) ${UNNEST_CHECKS}
  ON CONFLICT (client_id, check_id) DO UPDATE SET agent_id = excluded.agent_id, site_id = excluded.site_id, type = excluded.type,
  target = excluded.target, labels = excluded.labels, interval_ms = excluded.interval_ms, timeout_ms = excluded.timeout_ms,
  last_ts = excluded.last_ts, last_status = excluded.last_status, last_duration_ms = excluded.last_duration_ms,
  last_metrics = excluded.last_metrics, state = excluded.state, state_since = excluded.state_since,
  run_status = excluded.run_status, run_count = excluded.run_count, run_start = excluded.run_start, recent_durations = excluded.recent_durations`;

/** Column arrays for unnest(): one round trip per table, whatever the batch size. */
export function columns(rows: readonly unknown[][], width: number): unknown[][] {
  const cols: unknown[][] = Array.from({ length: width }, () => []);
  for (const r of rows) for (let i = 0; i < width; i++) cols[i]!.push(r[i]);
  return cols;
}

export async function saveStates(t: Exec, checks: readonly CheckRow[], transitions: readonly TransitionRow[]): Promise<void> {
  if (checks.length > 0) await t.q({ name: 'checks-upsert', text: UPSERT_CHECKS }, columns(checks.map(checkParams), CHECK_WIDTH));
  if (transitions.length > 0) {
    await t.q(
      {
        name: 'transitions-insert',
        text: 'INSERT INTO transitions (client_id, check_id, ts, state, detected_at, reason) SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[], $5::bigint[], $6::text[])',
      },
      columns(
        transitions.map((x) => [x.clientId, x.checkId, x.ts, x.state, x.detectedAt, x.reason]),
        6,
      ),
    );
  }
}
