import type { MemberState, Transition } from '../../../../shared/sla/types.js';
import { toCheck, toHostMetric } from '../rows.js';
import type { BatchWrite, CheckStore } from '../types.js';
import { GroupCommit } from '../group-commit.js';
import type { QualityCount } from '../quality-rows.js';
import type { Exec } from './exec.js';
import { markAlive, writeBatchesRetracting as writeBatches } from './transitions.js';
import { columns, saveStates } from './check-writes.js';

/** Outside a transaction, batches of one event-loop turn share a transaction (one fsync for many). */
export function pgChecks(x: Exec, groupCommit = false): CheckStore {
  const grouped = groupCommit
    ? new GroupCommit<BatchWrite, boolean>(
        (bs) => x.tx((t) => writeBatches(t, bs)),
        (b) => x.tx(async (t) => (await writeBatches(t, [b]))[0]!),
      )
    : undefined;
  return {
    ingestBatch: (b: BatchWrite) => (grouped ? grouped.submit(b) : x.tx(async (t) => (await writeBatches(t, [b]))[0]!)),
    describe: async (agent, checks) => {
      if (checks.length === 0) return;
      const uniq = [...new Map(checks.map((c) => [c.id, c])).values()];
      await x.q(
        `INSERT INTO checks (client_id, check_id, agent_id, site_id, type, target, labels, interval_ms, timeout_ms)
        SELECT $1, id, $2, $3, type, target, labels, interval_ms, timeout_ms FROM unnest($4::text[], $5::text[], $6::text[], $7::text[], $8::bigint[], $9::bigint[])
          AS c(id, type, target, labels, interval_ms, timeout_ms)
        ON CONFLICT (client_id, check_id) DO UPDATE SET agent_id = excluded.agent_id, site_id = excluded.site_id, type = excluded.type,
        target = excluded.target, labels = excluded.labels, interval_ms = excluded.interval_ms, timeout_ms = excluded.timeout_ms`,
        [
          agent.clientId,
          agent.id,
          agent.siteId,
          ...columns(
            uniq.map((c) => [
              c.id,
              c.type,
              c.target ?? null,
              JSON.stringify(c.labels ?? {}),
              Math.round(c.intervalSeconds * 1000),
              Math.round(c.timeoutSeconds * 1000),
            ]),
            6,
          ),
        ],
      );
    },
    get: async (client, check) => {
      const r = (await x.q('SELECT * FROM checks WHERE client_id = $1 AND check_id = $2', [client, check])).rows[0];
      return r && toCheck(r);
    },
    ofAgent: async (agentId) => (await x.q('SELECT * FROM checks WHERE agent_id = $1 ORDER BY client_id, check_id', [agentId])).rows.map(toCheck),
    list: async (clients) =>
      (clients
        ? await x.q('SELECT * FROM checks WHERE client_id = ANY($1::text[]) ORDER BY client_id, check_id', [clients])
        : await x.q('SELECT * FROM checks ORDER BY client_id, check_id')
      ).rows.map(toCheck),
    saveStates: (checks, transitions) => x.tx((t) => saveStates(t, checks, transitions)),
    transitionsFor: async (client, ids, from, to) => {
      if (ids.length === 0) return [];
      const r = await x.q(
        `SELECT check_id, ts, state, id FROM (
          SELECT DISTINCT ON (check_id) check_id, ts, state, id FROM transitions WHERE client_id = $1 AND check_id = ANY($2::text[]) AND ts < $3 ORDER BY check_id, ts DESC, id DESC
        ) before
        UNION ALL
        SELECT check_id, ts, state, id FROM transitions WHERE client_id = $1 AND check_id = ANY($2::text[]) AND ts >= $3 AND ts < $4`,
        [client, ids, from, to],
      );
      // the SQLite engine's order: by ts, then the checks in the order asked for, then insertion order
      const rank = new Map(ids.map((id, i) => [id, i]));
      const rows = r.rows.map((row) => ({ ts: Number(row.ts), check: String(row.check_id), state: row.state as MemberState, id: Number(row.id) }));
      rows.sort((a, b) => a.ts - b.ts || rank.get(a.check)! - rank.get(b.check)! || a.id - b.id);
      return rows.map(({ ts, check, state }): Transition => ({ ts, check, state }));
    },
    hostMetrics: async (agentIds) =>
      (agentIds
        ? await x.q('SELECT * FROM host_metrics WHERE agent_id = ANY($1::text[]) ORDER BY agent_id, name, labels', [agentIds])
        : await x.q('SELECT * FROM host_metrics ORDER BY agent_id, name, labels')
      ).rows.map(toHostMetric),
    markAlive: (at) => markAlive(x, at),
    openDegradedRuns: async () =>
      (await x.q('SELECT client_id, check_id, start_ts FROM degraded_runs WHERE end_ts IS NULL')).rows.map((r) => ({
        clientId: String(r.client_id),
        checkId: String(r.check_id),
        start: Number(r.start_ts),
      })),
    degradedRunsFor: async (client, ids, from, to) =>
      (
        await x.q(
          `SELECT check_id, start_ts, end_ts FROM degraded_runs WHERE client_id = $1 AND check_id = ANY($2::text[]) AND start_ts < $3
          AND (end_ts IS NULL OR end_ts > $4) ORDER BY start_ts, check_id`,
          [client, [...ids], to, from],
        )
      ).rows.map((r) => ({ check: String(r.check_id), start: Number(r.start_ts), end: r.end_ts === null ? null : Number(r.end_ts) })),
    qualityFor: async (client, from, to) =>
      (
        await x.q(
          `SELECT check_id AS "checkId", bucket, SUM(n)::int AS n FROM quality_slots WHERE client_id = $1 AND slot >= $2 AND slot < $3
          GROUP BY check_id, bucket ORDER BY check_id, bucket`,
          [client, from, to],
        )
      ).rows.map((r): QualityCount => ({ checkId: String(r.checkId), bucket: Number(r.bucket), n: Number(r.n) })),
    countResults: async (client) =>
      Number(
        (client === undefined ? await x.q('SELECT COUNT(*) AS n FROM results') : await x.q('SELECT COUNT(*) AS n FROM results WHERE client_id = $1', [client]))
          .rows[0]!.n,
      ),
    pruneBatches: async (before) => (await x.q('DELETE FROM batches WHERE received_at < $1', [before])).rowCount ?? 0,
    pruneResults: async (before) => (await x.q('DELETE FROM results WHERE ts < $1', [before])).rowCount, // BRIN on ts: cheap for an append-mostly table
  };
}
