import { type BatchWrite, INFERRED_REASONS, LAST_ALIVE_SETTING } from '../types.js';
import type { Exec } from './exec.js';
import { writeBatches } from './ingest.js';

/**
 * Late results replacing inferred transitions, and the collector's last sign of life, on
 * PostgreSQL (BatchWrite.retractInferred, CheckStore.markAlive). Kept apart from the batch
 * writer, which it wraps.
 */

/**
 * Writes batches like `writeBatches`, after deleting the inferred transitions they retract, in the same
 * transaction `t`. The delete runs first, so the transitions the batch brings (inferred ones included) are
 * never hit by it, and it skips every batch already stored: a replay deletes nothing.
 */
export async function writeBatchesRetracting(t: Exec, bs: readonly BatchWrite[]): Promise<boolean[]> {
  const rows = bs.flatMap((b) => (b.retractInferred ?? []).map((r) => [b.agent.id, b.seq, b.agent.clientId, r.checkId, r.from] as const));
  if (rows.length > 0) {
    await t.q(
      {
        name: 'transitions-retract-inferred',
        text: `DELETE FROM transitions t USING unnest($1::text[], $2::bigint[], $3::text[], $4::text[], $5::bigint[]) AS r(agent_id, seq, client_id, check_id, from_ts)
          WHERE t.client_id = r.client_id AND t.check_id = r.check_id AND t.ts >= r.from_ts AND t.reason = ANY($6::text[])
          AND NOT EXISTS (SELECT 1 FROM batches b WHERE b.agent_id = r.agent_id AND b.seq = r.seq)`,
      },
      [...[0, 1, 2, 3, 4].map((i) => rows.map((r) => r[i])), [...INFERRED_REASONS]],
    );
  }
  return writeBatches(t, bs);
}

/** Forward only: a clock stepping back does not move the recorded time back. */
export async function markAlive(x: Exec, at: number): Promise<void> {
  await x.q(
    {
      name: 'collector-mark-alive',
      text: `INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value
        WHERE excluded.value::bigint > settings.value::bigint`,
    },
    [LAST_ALIVE_SETTING, String(at)],
  );
}
