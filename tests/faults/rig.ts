import { join } from 'node:path';
import Database from 'better-sqlite3';
import { pino } from 'pino';
import { ManualClock } from '../../shared/clock.js';
import type { Sample } from '../../shared/protocol/v1/batch.js';
import { Spool, type SpoolOptions } from '../../shared/spool/spool.js';
import { readState, writeState, type AgentState } from '../../agent/src/state.js';
import { Transport, type TransportOptions } from '../../agent/src/transport.js';
import { tempDir } from '../helpers/net.js';
import { collectorFixture } from '../unit/collector/fixture.js';
import { faultProxy } from './fault-proxy.js';

export const T0 = Date.parse('2026-10-05T10:00:00Z');
export const CHECKS = ['fw-1', 'sw-1', 'sw-2'] as const;
export const INTERVAL_MS = 10_000;
export const DEF =
  'client: acme\ntimezone: UTC\nservices:\n  - { id: network, target: 99.9, unknown: down, members: [fw-1, sw-1, sw-2], downtime: { when: { membersDown: 1 } } }\n';

export interface RigOptions {
  /** Collector config on top of the fixture's (e.g. `limits`, `state`). */
  collector?: Record<string, unknown>;
  defs?: string;
  spool?: Partial<SpoolOptions>;
  transport?: Partial<TransportOptions>;
  clock?: ManualClock;
  /** Where the agent's state dir (and spool) go; a temp dir by default. */
  agentDir?: string;
}

export type LogLine = { level: number; msg: string } & Record<string, unknown>;
type Fixture = Awaited<ReturnType<typeof collectorFixture>>;

/**
 * One site end to end on loopback: the real collector (app, engine, SQLite store) listening on a
 * port, a fault proxy as the WAN, and the real agent spool and transport in a state dir, all on
 * one injected clock so that a day of outage takes seconds. The books: every sample the agent was
 * given (`offered`) against what the collector's database holds (`account()`).
 */
export async function faultRig(o: RigOptions = {}) {
  const clock = o.clock ?? new ManualClock(T0);
  const dataDir = tempDir();
  const collectorConfig = { state: { confirmDown: 2, confirmUp: 1, staleAfterIntervals: 3, heartbeatLostAfter: '45s' }, ...o.collector };
  let f: Fixture = await collectorFixture(collectorConfig, o.defs ?? DEF, { dir: dataDir, clock });
  let port = await listen(f);
  const proxy = faultProxy(port, () => clock.now());
  await proxy.up();
  const agentDir = o.agentDir ?? tempDir().path;
  const stateDir = join(agentDir, 'state');
  const logs: LogLine[] = [];
  const logger = pino({ level: 'debug' }, { write: (s: string) => void logs.push(JSON.parse(s)) });
  const spoolOptions: SpoolOptions = { dir: join(stateDir, 'spool'), fsync: 1000, maxBytes: 64 << 20, maxAgeMs: 7 * 86_400_000, ...o.spool };
  const transportOptions: TransportOptions = { batchMaxSamples: 500, replayRate: 50, random: () => 0.5, stateDir, ...o.transport };

  const enrolled = await f.enroll('site-a');
  writeState(stateDir, { agentId: enrolled.agentId, agentToken: enrolled.token, clientId: 'acme', siteId: 'hq', collectorUrl: proxy.url, lastSeq: 0 });
  const offered = new Map<string, Sample>();
  const query = <T>(fn: (db: Database.Database) => T): T => {
    const db = new Database(join(dataDir.path, 'vigil.db'), { readonly: true });
    try {
      return fn(db);
    } finally {
      db.close();
    }
  };
  const open = (dir = stateDir, spoolDir = spoolOptions.dir) => {
    const state: AgentState = readState(dir);
    const spool = new Spool({ ...spoolOptions, dir: spoolDir }, clock, logger);
    return { state, spool, transport: new Transport(state, spool, clock, logger, { ...transportOptions, stateDir: dir }) };
  };
  let agent = open();
  const others: Array<ReturnType<typeof open>> = [];

  const rig = {
    clock,
    proxy,
    logs,
    stateDir,
    spoolOptions,
    get f() {
      return f;
    },
    get agent() {
      return agent;
    },
    offered,
    /** One sample, as the scheduler hands it over; counted as offered. */
    add(s: Sample) {
      if (s.kind === 'check') offered.set(`${s.checkId}@${s.ts}`, s);
      agent.transport.add(s);
    },
    /** One round: a result of each check dated `ts`, sealed into one batch. */
    round(ts: number, status: 'up' | 'down' = 'up', checks: readonly string[] = CHECKS) {
      for (const checkId of checks) rig.add({ kind: 'check', checkId, type: 'tcp', ts, status, durationMs: 1, metrics: { connect_seconds: 0.001 } });
      agent.transport.seal();
    },
    /** The agent's heartbeat, with its spool figures, as agent/src/main.ts sends it. */
    heartbeat: (checks: readonly string[] = CHECKS) => {
      const s = agent.spool.stats();
      return agent.transport.heartbeat({
        agentId: agent.state.agentId,
        sentAt: clock.now(),
        agentVersion: 'faults',
        uptimeSeconds: 1,
        queuedBatches: s.batches,
        intervalSeconds: 15,
        checks: checks.map((id) => ({ id, type: 'tcp', intervalSeconds: INTERVAL_MS / 1000, timeoutSeconds: 1 })),
        spool: { batches: s.batches, bytes: s.bytes, oldestAgeSeconds: s.oldestAgeSeconds, droppedBatches: s.droppedBatches, droppedSamples: s.droppedSamples },
      });
    },
    /**
     * Sends until nothing is left, moving the clock to each next attempt the transport asks for
     * (backoff, Retry-After, the replay rate); returns the flushes it took. Fails past `maxFlushes`.
     */
    async drain(maxFlushes = 100_000, transport = agent.transport) {
      for (let n = 1; n <= maxFlushes; n++) {
        await transport.flush();
        if (!transport.hasUndelivered) return n;
        clock.set(Math.max(clock.now() + 1, transport.retryAt));
      }
      throw new Error(`still ${transport.queuedBatches} batches undelivered after ${maxFlushes} flushes`);
    },
    /** Another agent of the client, at site `siteId`, through the same WAN; its samples count as offered too. */
    async otherAgent(name: string, siteId: string) {
      const e = await f.enroll(name, 'acme', siteId);
      const dir = join(agentDir, name);
      writeState(dir, { agentId: e.agentId, agentToken: e.token, clientId: 'acme', siteId, collectorUrl: proxy.url, lastSeq: 0 });
      const other = open(dir, join(dir, 'spool'));
      others.push(other);
      return Object.assign(other, {
        add(s: Sample) {
          if (s.kind === 'check') offered.set(`${s.checkId}@${s.ts}`, s);
          other.transport.add(s);
        },
      });
    },
    /** The agent stops (clean: its transport and spool closed) or crashes (dropped as is, as kill -9 leaves it), and starts again. */
    async restartAgent(how: 'clean' | 'crash', between?: () => void) {
      if (how === 'clean') {
        await agent.transport.close();
        agent.spool.close();
      }
      between?.();
      agent = open();
    },
    /** The collector stops and starts again on the same port and database. */
    async restartCollector(between?: () => void | Promise<void>) {
      await f.close(true);
      await between?.();
      f = await collectorFixture(collectorConfig, o.defs ?? DEF, { dir: dataDir, clock });
      port = await listen(f, port);
    },
    /** The time of the oldest result of `check` stored. */
    oldestStored: (check: string) => query((db) => (db.prepare('SELECT min(ts) AS ts FROM results WHERE check_id = ?').get(check) as { ts: number | null }).ts),
    /** What the collector's database holds of the offered samples: stored once, duplicated, missing. */
    account() {
      return query((db) => {
        const rows = db.prepare('SELECT check_id AS c, ts, count(*) AS n FROM results GROUP BY check_id, ts').all() as Array<{
          c: string;
          ts: number;
          n: number;
        }>;
        const times = new Map(rows.map((r) => [`${r.c}@${r.ts}`, r.n]));
        let stored = 0;
        let duplicates = 0;
        for (const k of offered.keys()) {
          const n = times.get(k) ?? 0;
          if (n > 0) stored++;
          duplicates += Math.max(0, n - 1);
        }
        const foreign = rows.filter((r) => !offered.has(`${r.c}@${r.ts}`)).length;
        return { offered: offered.size, stored, duplicates, lost: offered.size - stored, foreign };
      });
    },
    /** Agent log lines whose msg matches. */
    logged: (re: RegExp) => logs.filter((l) => re.test(l.msg)),
    async close() {
      await proxy.down();
      for (const a of [agent, ...others]) {
        await a.transport.close().catch(() => undefined);
        a.spool.close();
      }
      await f.close();
    },
  };
  return rig;
}
export type Rig = Awaited<ReturnType<typeof faultRig>>;

async function listen(f: Fixture, port = 0): Promise<number> {
  await f.app.listen({ port, host: '127.0.0.1' });
  return (f.app.server.address() as { port: number }).port;
}
