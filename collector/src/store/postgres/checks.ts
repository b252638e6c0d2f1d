import type { MemberState, Transition } from '../../../../shared/sla/types.js';
import { CHECK_COLUMNS, CHECK_WIDTH, checkParams, toCheck, toHostMetric } from '../rows.js';
import type { BatchWrite, CheckRow, CheckStore, TransitionRow } from '../types.js';
import type { Exec } from './exec.js';

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
function columns(rows: readonly unknown[][], width: number): unknown[][] {
  const cols: unknown[][] = Array.from({ length: width }, () => []);
  for (const r of rows) for (let i = 0; i < width; i++) cols[i]!.push(r[i]);
  return cols;
}

async function saveStates(t: Exec, checks: readonly CheckRow[], transitions: readonly TransitionRow[]): Promise<void> {
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

export function pgChecks(x: Exec): CheckStore {
  return {
    ingestBatch: (b: BatchWrite) =>
      x.tx(async (t) => {
        const { agent } = b;
        const fresh = await t.q(
          { name: 'batch-insert', text: 'INSERT INTO batches (agent_id, seq, received_at, samples) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING' },
          [agent.id, b.seq, b.receivedAt, b.results.length + b.metrics.length],
        );
        if (fresh.rowCount === 0) return false;
        if (b.results.length > 0) {
          await t.q(
            {
              name: 'results-insert',
              text: 'INSERT INTO results (client_id, check_id, ts, status, reason, duration_ms, metrics) SELECT $1, * FROM unnest($2::text[], $3::bigint[], $4::text[], $5::text[], $6::float8[], $7::text[])',
            },
            [
              agent.clientId,
              ...columns(
                b.results.map((r) => [r.checkId, r.ts, r.status, r.reason ?? null, r.durationMs, r.metrics ? JSON.stringify(r.metrics) : null]),
                6,
              ),
            ],
          );
        }
        if (b.metrics.length > 0) {
          // one row per key (the newest): ON CONFLICT cannot touch one row twice in a statement
          const latest = new Map<string, [string, string, number, number]>();
          for (const m of b.metrics) {
            const labels = JSON.stringify(m.labels ?? {});
            const k = `${m.name}\u0000${labels}`;
            const prev = latest.get(k);
            if (!prev || m.ts >= prev[2]) latest.set(k, [m.name, labels, m.ts, m.value]);
          }
          await t.q(
            {
              name: 'metrics-upsert',
              text: `INSERT INTO host_metrics (agent_id, name, labels, ts, value) SELECT $1, * FROM unnest($2::text[], $3::text[], $4::bigint[], $5::float8[])
            ON CONFLICT (agent_id, name, labels) DO UPDATE SET ts = excluded.ts, value = excluded.value WHERE excluded.ts >= host_metrics.ts`,
            },
            [agent.id, ...columns([...latest.values()], 4)],
          );
        }
        await saveStates(t, b.checks, b.transitions);
        await t.q({ name: 'agent-touch', text: 'UPDATE agents SET last_seen = GREATEST(COALESCE(last_seen, 0), $1) WHERE id = $2' }, [b.receivedAt, agent.id]);
        return true;
      }),
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
    countResults: async (client) =>
      Number(
        (client === undefined ? await x.q('SELECT COUNT(*) AS n FROM results') : await x.q('SELECT COUNT(*) AS n FROM results WHERE client_id = $1', [client]))
          .rows[0]!.n,
      ),
    pruneResults: async (before) => (await x.q('DELETE FROM results WHERE ts < $1', [before])).rowCount, // BRIN on ts: cheap for an append-mostly table
  };
}
