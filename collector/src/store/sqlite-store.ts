import BetterSqlite3, { type Database } from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { CheckDescriptor } from '../../../shared/protocol/v1/heartbeat.js';
import type { CheckResultSample, MetricSample } from '../../../shared/protocol/v1/batch.js';
import type { Exclusion, MemberState, Transition } from '../../../shared/sla/types.js';
import { migrate } from './schema.js';
import type { AgentRow, CheckRow, EnrollmentTokenRow, HostMetricRow, Store } from './types.js';

type Row = Record<string, unknown>;
const HOUR = 3_600_000;

const toToken = (r: Row): EnrollmentTokenRow => ({
  id: r.id as string, tokenHash: r.token_hash as string, clientId: r.client_id as string, siteId: r.site_id as string,
  createdAt: r.created_at as number, expiresAt: r.expires_at as number, maxUses: r.max_uses as number | null,
  uses: r.uses as number, revokedAt: r.revoked_at as number | null, note: r.note as string | null,
});
const toAgent = (r: Row): AgentRow => ({
  id: r.id as string, clientId: r.client_id as string, siteId: r.site_id as string, hostname: r.hostname as string,
  createdAt: r.created_at as number, revokedAt: r.revoked_at as number | null, lastSeen: r.last_seen as number | null,
  heartbeatIntervalMs: r.heartbeat_interval_ms as number | null, reachable: r.reachable === 1,
});
const toCheck = (r: Row): CheckRow => ({
  clientId: r.client_id as string, checkId: r.check_id as string, agentId: r.agent_id as string, siteId: r.site_id as string,
  type: r.type as string, target: r.target as string | null, labels: JSON.parse(r.labels as string),
  intervalMs: r.interval_ms as number | null, timeoutMs: r.timeout_ms as number | null, lastTs: r.last_ts as number | null,
  lastStatus: r.last_status as string | null, lastDurationMs: r.last_duration_ms as number | null,
  lastMetrics: r.last_metrics ? JSON.parse(r.last_metrics as string) : {}, state: r.state as MemberState,
  stateSince: r.state_since as number | null, runStatus: r.run_status as MemberState | null, runCount: r.run_count as number,
  runStart: r.run_start as number | null,
});

/** The embedded store: one SQLite file in WAL mode. */
export class SqliteStore implements Store {
  readonly db: Database;
  private readonly s;

  constructor(dataDir: string) {
    mkdirSync(dataDir, { recursive: true });
    this.db = new BetterSqlite3(join(dataDir, 'vigil.db'));
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('busy_timeout = 5000');
    migrate(this.db);
    const p = (sql: string) => this.db.prepare(sql);
    this.s = {
      batchInsert: p('INSERT OR IGNORE INTO batches (agent_id, seq, received_at, samples) VALUES (?, ?, ?, ?)'),
      resultInsert: p('INSERT INTO results (client_id, check_id, ts, status, reason, duration_ms, metrics) VALUES (?, ?, ?, ?, ?, ?, ?)'),
      rollup: p(`INSERT INTO rollups_hourly (client_id, check_id, hour, up, down, degraded, duration_ms_sum) VALUES (?, ?, ?, ?, ?, ?, ?)
                 ON CONFLICT (client_id, check_id, hour) DO UPDATE SET up = up + excluded.up, down = down + excluded.down,
                 degraded = degraded + excluded.degraded, duration_ms_sum = duration_ms_sum + excluded.duration_ms_sum`),
      checkEnsure: p(`INSERT INTO checks (client_id, check_id, agent_id, site_id, type, target, labels) VALUES (?, ?, ?, ?, ?, ?, ?)
                      ON CONFLICT (client_id, check_id) DO UPDATE SET agent_id = excluded.agent_id, site_id = excluded.site_id,
                      type = excluded.type, target = COALESCE(excluded.target, target), labels = excluded.labels`),
      checkDescribe: p(`INSERT INTO checks (client_id, check_id, agent_id, site_id, type, target, labels, interval_ms, timeout_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                        ON CONFLICT (client_id, check_id) DO UPDATE SET agent_id = excluded.agent_id, site_id = excluded.site_id, type = excluded.type,
                        target = excluded.target, labels = excluded.labels, interval_ms = excluded.interval_ms, timeout_ms = excluded.timeout_ms`),
      checkGet: p('SELECT * FROM checks WHERE client_id = ? AND check_id = ?'),
      checkSave: p(`UPDATE checks SET last_ts = ?, last_status = ?, last_duration_ms = ?, last_metrics = ?, state = ?, state_since = ?,
                    run_status = ?, run_count = ?, run_start = ? WHERE client_id = ? AND check_id = ?`),
      metricUpsert: p(`INSERT INTO host_metrics (agent_id, name, labels, ts, value) VALUES (?, ?, ?, ?, ?)
                       ON CONFLICT (agent_id, name, labels) DO UPDATE SET ts = excluded.ts, value = excluded.value WHERE excluded.ts >= host_metrics.ts`),
      transitionInsert: p('INSERT INTO transitions (client_id, check_id, ts, state, detected_at, reason) VALUES (?, ?, ?, ?, ?, ?)'),
      agentTouch: p('UPDATE agents SET last_seen = ?, heartbeat_interval_ms = COALESCE(?, heartbeat_interval_ms) WHERE id = ?'),
    };
  }

  insertEnrollmentToken(t: EnrollmentTokenRow): void {
    this.db.prepare('INSERT INTO enrollment_tokens VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)')
      .run(t.id, t.tokenHash, t.clientId, t.siteId, t.createdAt, t.expiresAt, t.maxUses, t.uses, t.revokedAt, t.note);
  }
  findEnrollmentTokenByHash(hash: string): EnrollmentTokenRow | undefined {
    const r = this.db.prepare('SELECT * FROM enrollment_tokens WHERE token_hash = ?').get(hash) as Row | undefined;
    return r && toToken(r);
  }
  listEnrollmentTokens(): EnrollmentTokenRow[] {
    return (this.db.prepare('SELECT * FROM enrollment_tokens ORDER BY created_at').all() as Row[]).map(toToken);
  }
  revokeEnrollmentToken(id: string, at: number): boolean {
    return this.db.prepare('UPDATE enrollment_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL').run(at, id).changes > 0;
  }
  enrollAgent(tokenId: string, a: AgentRow & { tokenHash: string }): void {
    this.db.transaction(() => {
      this.db.prepare('UPDATE enrollment_tokens SET uses = uses + 1 WHERE id = ?').run(tokenId);
      this.db.prepare('INSERT INTO agents (id, client_id, site_id, hostname, token_hash, created_at, reachable) VALUES (?, ?, ?, ?, ?, ?, 1)')
        .run(a.id, a.clientId, a.siteId, a.hostname, a.tokenHash, a.createdAt);
    })();
  }
  findAgentByTokenHash(hash: string): AgentRow | undefined {
    const r = this.db.prepare('SELECT * FROM agents WHERE token_hash = ?').get(hash) as Row | undefined;
    return r && toAgent(r);
  }
  getAgent(id: string): AgentRow | undefined {
    const r = this.db.prepare('SELECT * FROM agents WHERE id = ?').get(id) as Row | undefined;
    return r && toAgent(r);
  }
  listAgents(): AgentRow[] {
    return (this.db.prepare('SELECT * FROM agents ORDER BY id').all() as Row[]).map(toAgent);
  }
  revokeAgent(id: string, at: number): boolean {
    return this.db.prepare('UPDATE agents SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL').run(at, id).changes > 0;
  }
  touchAgent(id: string, at: number, heartbeatIntervalMs?: number): void {
    this.s.agentTouch.run(at, heartbeatIntervalMs ?? null, id);
  }
  setAgentReachable(id: string, reachable: boolean): void {
    this.db.prepare('UPDATE agents SET reachable = ? WHERE id = ?').run(reachable ? 1 : 0, id);
  }
  upsertChecks(agent: AgentRow, checks: CheckDescriptor[]): void {
    this.db.transaction(() => {
      for (const c of checks) {
        this.s.checkDescribe.run(agent.clientId, c.id, agent.id, agent.siteId, c.type, c.target ?? null, JSON.stringify(c.labels ?? {}),
          Math.round(c.intervalSeconds * 1000), Math.round(c.timeoutSeconds * 1000));
      }
    })();
  }
  ingestBatch(agent: AgentRow, seq: number, at: number, results: CheckResultSample[], metrics: MetricSample[], apply: () => void): boolean {
    return this.db.transaction(() => {
      if (this.s.batchInsert.run(agent.id, seq, at, results.length + metrics.length).changes === 0) return false;
      for (const r of results) {
        this.s.checkEnsure.run(agent.clientId, r.checkId, agent.id, agent.siteId, r.type, r.target ?? null, JSON.stringify(r.labels ?? {}));
        this.s.resultInsert.run(agent.clientId, r.checkId, r.ts, r.status, r.reason ?? null, r.durationMs, r.metrics ? JSON.stringify(r.metrics) : null);
        this.s.rollup.run(agent.clientId, r.checkId, Math.floor(r.ts / HOUR) * HOUR, r.status === 'up' ? 1 : 0, r.status === 'down' ? 1 : 0,
          r.status === 'degraded' ? 1 : 0, r.durationMs);
      }
      for (const m of metrics) this.s.metricUpsert.run(agent.id, m.name, JSON.stringify(m.labels ?? {}), m.ts, m.value);
      apply();
      return true;
    })();
  }
  getCheck(clientId: string, checkId: string): CheckRow | undefined {
    const r = this.s.checkGet.get(clientId, checkId) as Row | undefined;
    return r && toCheck(r);
  }
  listChecks(clientId?: string): CheckRow[] {
    const rows = clientId
      ? this.db.prepare('SELECT * FROM checks WHERE client_id = ? ORDER BY check_id').all(clientId)
      : this.db.prepare('SELECT * FROM checks ORDER BY client_id, check_id').all();
    return (rows as Row[]).map(toCheck);
  }
  saveCheckState(c: CheckRow): void {
    this.s.checkSave.run(c.lastTs, c.lastStatus, c.lastDurationMs, JSON.stringify(c.lastMetrics), c.state, c.stateSince, c.runStatus, c.runCount, c.runStart, c.clientId, c.checkId);
  }
  insertTransition(clientId: string, checkId: string, ts: number, state: MemberState, detectedAt: number, reason?: string): void {
    this.s.transitionInsert.run(clientId, checkId, ts, state, detectedAt, reason ?? null);
  }
  transitionsFor(clientId: string, checkIds: readonly string[], from: number, to: number): Transition[] {
    const out: Transition[] = [];
    const before = this.db.prepare('SELECT ts, state FROM transitions WHERE client_id = ? AND check_id = ? AND ts < ? ORDER BY ts DESC, rowid DESC LIMIT 1');
    const inside = this.db.prepare('SELECT ts, state FROM transitions WHERE client_id = ? AND check_id = ? AND ts >= ? AND ts < ? ORDER BY ts, rowid');
    for (const id of checkIds) {
      const b = before.get(clientId, id, from) as { ts: number; state: MemberState } | undefined;
      if (b) out.push({ ts: b.ts, check: id, state: b.state });
      for (const r of inside.all(clientId, id, from, to) as Array<{ ts: number; state: MemberState }>) out.push({ ts: r.ts, check: id, state: r.state });
    }
    return out.sort((a, b) => a.ts - b.ts);
  }
  hostMetrics(): HostMetricRow[] {
    return (this.db.prepare('SELECT * FROM host_metrics').all() as Row[]).map((r) => ({
      agentId: r.agent_id as string, name: r.name as string, labels: JSON.parse(r.labels as string), ts: r.ts as number, value: r.value as number,
    }));
  }
  recentDurations(client: string, check: string, ts: number, n: number): number[] {
    return (this.db.prepare('SELECT duration_ms FROM results WHERE client_id = ? AND check_id = ? AND ts <= ? ORDER BY ts DESC LIMIT ?').all(client, check, ts, n) as Array<{ duration_ms: number }>).map((r) => r.duration_ms);
  }
  addExclusion(client: string, e: Exclusion): number {
    return Number(this.db.prepare('INSERT INTO exclusions (client_id, service, start_ts, end_ts, reason, added_by, added_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(client, e.service, e.start, e.end, e.reason, e.addedBy, e.addedAt).lastInsertRowid);
  }
  exclusions(client: string, from: number, to: number): Exclusion[] {
    const rows = this.db.prepare('SELECT * FROM exclusions WHERE client_id = ? AND start_ts < ? AND end_ts > ? ORDER BY start_ts').all(client, to, from) as Row[];
    return rows.map((r) => ({ service: r.service as string, start: r.start_ts as number, end: r.end_ts as number, reason: r.reason as string, addedBy: r.added_by as string, addedAt: r.added_at as number }));
  }
  pruneResults(before: number): number {
    return this.db.prepare('DELETE FROM results WHERE ts < ?').run(before).changes;
  }
  close(): void {
    this.db.close();
  }
}
