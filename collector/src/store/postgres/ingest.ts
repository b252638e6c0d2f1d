import type { BatchWrite } from '../types.js';
import { qualityIncrements } from '../quality-rows.js';
import { columns, saveStates } from './check-writes.js';
import type { Exec } from './exec.js';

/**
 * Writes batches in the current transaction with one statement per table, whatever their
 * number; returns per batch whether it was new (a replayed (agentId, seq) writes nothing —
 * also a second copy of one batch in the same group, and a replay racing on another connection,
 * which waits on the unique index and then finds the row).
 */
export async function writeBatches(t: Exec, bs: readonly BatchWrite[]): Promise<boolean[]> {
  const fresh = await t.q(
    {
      name: 'batches-insert',
      text: `INSERT INTO batches (agent_id, seq, received_at, samples) SELECT * FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::int[])
        ON CONFLICT DO NOTHING RETURNING agent_id, seq`,
    },
    columns(
      bs.map((b) => [b.agent.id, b.seq, b.receivedAt, b.results.length + b.metrics.length]),
      4,
    ),
  );
  const inserted = new Set(fresh.rows.map((r) => `${r.agent_id}\u0000${r.seq}`));
  const out = bs.map((b) => {
    const k = `${b.agent.id}\u0000${b.seq}`;
    return inserted.delete(k); // true once per inserted key: a duplicate later in the group is not new
  });
  const kept = bs.filter((_, i) => out[i]);
  if (kept.length === 0) return out;
  const results = kept.flatMap((b) =>
    b.results.map((r) => [b.agent.clientId, r.checkId, r.ts, r.status, r.reason ?? null, r.durationMs, r.metrics ? JSON.stringify(r.metrics) : null]),
  );
  if (results.length > 0) {
    await t.q(
      {
        name: 'results-insert-many',
        text: 'INSERT INTO results (client_id, check_id, ts, status, reason, duration_ms, metrics) SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[], $5::text[], $6::float8[], $7::text[])',
      },
      columns(results, 7),
    );
  }
  const opened = kept.flatMap((b) => (b.degraded?.opened ?? []).map((o) => [b.agent.clientId, o.checkId, o.start]));
  if (opened.length > 0) {
    await t.q(
      {
        name: 'degraded-open-many',
        text: `INSERT INTO degraded_runs (client_id, check_id, start_ts, end_ts) SELECT c, k, s, NULL FROM unnest($1::text[], $2::text[], $3::bigint[]) AS r(c, k, s)
          ON CONFLICT DO NOTHING`,
      },
      columns(opened, 3),
    );
  }
  // a check is in one batch of a group at most (its lock): no key twice in one statement
  const closed = kept.flatMap((b) => (b.degraded?.closed ?? []).map((c) => [b.agent.clientId, c.checkId, c.start, c.end]));
  if (closed.length > 0) {
    await t.q(
      {
        name: 'degraded-close-many',
        text: `INSERT INTO degraded_runs (client_id, check_id, start_ts, end_ts) SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::bigint[])
          ON CONFLICT (client_id, check_id, start_ts) DO UPDATE SET end_ts = excluded.end_ts`,
      },
      columns(closed, 4),
    );
  }
  const quality = new Map<string, [string, string, number, number, number]>();
  for (const b of kept) qualityIncrements(b.agent.clientId, b.results, quality); // summed per key: one upsert touches a row once
  if (quality.size > 0) {
    await t.q(
      {
        name: 'quality-upsert-many',
        text: `INSERT INTO quality_slots (client_id, check_id, slot, bucket, n) SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::int[], $5::int[])
          ON CONFLICT (client_id, check_id, slot, bucket) DO UPDATE SET n = quality_slots.n + excluded.n`,
      },
      columns([...quality.values()], 5),
    );
  }
  // one row per key (the newest): ON CONFLICT DO UPDATE cannot touch one row twice in a statement
  const latest = new Map<string, [string, string, string, number, number]>();
  for (const b of kept) {
    for (const m of b.metrics) {
      const labels = JSON.stringify(m.labels ?? {});
      const k = `${b.agent.id}\u0000${m.name}\u0000${labels}`;
      const prev = latest.get(k);
      if (!prev || m.ts >= prev[3]) latest.set(k, [b.agent.id, m.name, labels, m.ts, m.value]);
    }
  }
  if (latest.size > 0) {
    await t.q(
      {
        name: 'metrics-upsert-many',
        text: `INSERT INTO host_metrics (agent_id, name, labels, ts, value) SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::float8[])
          ON CONFLICT (agent_id, name, labels) DO UPDATE SET ts = excluded.ts, value = excluded.value WHERE excluded.ts >= host_metrics.ts`,
      },
      columns([...latest.values()], 5),
    );
  }
  // a check is written by one batch of a group at most: the state engine plans a check under its lock until its batch is committed
  await saveStates(
    t,
    kept.flatMap((b) => b.checks),
    kept.flatMap((b) => b.transitions),
  );
  const seen = new Map<string, number>();
  for (const b of kept) seen.set(b.agent.id, Math.max(seen.get(b.agent.id) ?? 0, b.receivedAt));
  await t.q(
    {
      name: 'agents-touch-many',
      text: `UPDATE agents a SET last_seen = GREATEST(COALESCE(a.last_seen, 0), s.at) FROM unnest($1::text[], $2::bigint[]) AS s(id, at) WHERE a.id = s.id`,
    },
    [[...seen.keys()], [...seen.values()]],
  );
  return out;
}
