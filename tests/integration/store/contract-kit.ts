import { afterAll, beforeAll, describe } from 'vitest';
import type { CheckResultSample } from '../../../shared/protocol/v1/batch.js';
import type { BatchWrite, CheckRow, NewAgent, Store } from '../../../collector/src/store/types.js';
import { postgresEngine, sqliteEngine, type Engine } from './engines.js';

/** Shared by the Store contract files (contract-*.test.ts): rows to write, and the suite over every engine. */
export const T0 = Date.parse('2026-10-05T10:00:00Z');
export const agentRow = (id: string, client = 'acme', site = 'hq'): NewAgent => ({
  id,
  clientId: client,
  siteId: site,
  hostname: `${id}.example`,
  createdAt: T0,
  revokedAt: null,
  lastSeen: null,
  heartbeatIntervalMs: null,
  reachable: true,
  tokenHash: `hash-${id}`,
});
export const token = (id: string, over: Partial<{ maxUses: number | null; expiresAt: number; client: string }> = {}) => ({
  id,
  tokenHash: `th-${id}`,
  clientId: over.client ?? 'acme',
  siteId: 'hq',
  createdAt: T0,
  expiresAt: over.expiresAt ?? T0 + 86_400_000,
  maxUses: over.maxUses === undefined ? null : over.maxUses,
  uses: 0,
  revokedAt: null,
  note: null,
});
export const result = (checkId: string, ts: number, status: 'up' | 'down' = 'up', durationMs = 5): CheckResultSample => ({
  kind: 'check',
  checkId,
  type: 'tcp',
  ts,
  status,
  durationMs,
  metrics: { connect_seconds: durationMs / 1000 },
  labels: { service: 'network' },
});
export const checkRow = (checkId: string, over: Partial<CheckRow> = {}): CheckRow => ({
  clientId: 'acme',
  checkId,
  agentId: 'acme.a1',
  siteId: 'hq',
  type: 'tcp',
  target: '10.0.0.1:22',
  labels: { service: 'network' },
  intervalMs: 10_000,
  timeoutMs: 1000,
  lastTs: T0,
  lastStatus: 'up',
  lastDurationMs: 5,
  lastMetrics: { connect_seconds: 0.005 },
  state: 'up',
  stateSince: T0,
  runStatus: null,
  runCount: 0,
  runStart: null,
  recentDurationsMs: [],
  ...over,
});
export const batch = (seq: number, results: CheckResultSample[], over: Partial<BatchWrite> = {}): BatchWrite => ({
  agent: { id: 'acme.a1', clientId: 'acme', siteId: 'hq' },
  seq,
  receivedAt: T0 + seq,
  results,
  metrics: [],
  checks: [],
  transitions: [],
  ...over,
});

export interface ContractContext {
  name: 'sqlite' | 'postgres';
  /** The store of the current test (a fresh, empty one after `reset()`). */
  s: Store;
  /** Its handle: a second connection (`open()`), and cutting its connections (`cut`, PostgreSQL). */
  fresh: Awaited<ReturnType<Engine['fresh']>>;
  reset(): Promise<void>;
  /** Another fresh, empty store beside the current one (for comparing two runs). */
  another(): Promise<Store>;
}

const engines: Array<['sqlite' | 'postgres', () => Engine]> = [
  ['sqlite', sqliteEngine],
  ['postgres', postgresEngine],
];

/**
 * The Store contract, one suite over every engine (Gatus' storage tests, but async and with
 * real concurrency): SQLite in a temp dir, and a real PostgreSQL started for the file.
 */
export function storeContract(title: string, cases: (c: ContractContext) => void): void {
  describe.each(engines)(`Store contract on %s: ${title}`, (name, make) => {
    const engine = make();
    const c = { name } as ContractContext;
    c.reset = async () => {
      c.fresh = await engine.fresh();
      c.s = c.fresh.store;
    };
    c.another = async () => (await engine.fresh()).store;
    beforeAll(() => c.reset(), 120_000);
    afterAll(() => engine.close());
    cases(c);
  });
}
