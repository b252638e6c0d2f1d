import pg from 'pg';
import { VigilError } from '../../../../shared/errors.js';
import type { Logger } from '../../../../shared/logger.js';
import type { BackupProgressFn, BackupResult, Store } from '../types.js';
import { pgApiTokens, pgAudit, pgReportArchive } from './access.js';
import { pgAgents } from './agents.js';
import { postgresBackupUnsupported } from './backup.js';
import { pgChecks } from './checks.js';
import { clientExec, mapError, poolExec, type Exec } from './exec.js';
import { pgIncidents } from './incidents.js';
import { POSTGRES_MIGRATIONS } from './migrations/index.js';
import { pgExclusions, pgSettings } from './misc.js';
import { pgOutbox } from './outbox.js';

/** The URL with its password masked, for messages and logs. */
export function maskUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return url.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@');
  }
}

// BIGINT (times in ms) as numbers: they stay far below 2^53.
const types = { getTypeParser: (oid: number, format?: 'text' | 'binary') => (oid === 20 ? Number : pg.types.getTypeParser(oid, format as 'text')) };

/** Any schema change runs under this advisory lock, so two collectors starting together migrate once. */
const MIGRATION_LOCK = 0x76_69_67_69; // "vigi"

function bind(
  x: Exec,
  self: Omit<Store, 'agents' | 'checks' | 'incidents' | 'outbox' | 'exclusions' | 'settings' | 'apiTokens' | 'audit' | 'reports'>,
  groupCommit = false,
): Store {
  return {
    ...self,
    agents: pgAgents(x),
    checks: pgChecks(x, groupCommit),
    incidents: pgIncidents(x),
    outbox: pgOutbox(x),
    exclusions: pgExclusions(x),
    settings: pgSettings(x),
    apiTokens: pgApiTokens(x),
    audit: pgAudit(x),
    reports: pgReportArchive(x),
  };
}

export interface PostgresOptions {
  url: string;
  poolSize?: number;
  connectTimeoutMs?: number;
  logger?: Logger;
}

/**
 * PostgreSQL through a `pg` Pool. Connection faults surface as VIGIL_ERR_STORE_UNAVAILABLE
 * (ingest answers 503 with Retry-After); the pool makes new connections when the server is
 * back, so the collector recovers on its own.
 */
export class PostgresStore implements Store {
  readonly engine = 'postgres' as const;
  readonly location: string;
  readonly agents;
  readonly checks;
  readonly incidents;
  readonly outbox;
  readonly exclusions;
  readonly settings;
  readonly apiTokens;
  readonly audit;
  readonly reports;
  appliedAtOpen: number[] = [];
  private readonly pool: pg.Pool;
  private readonly exec: Exec;

  private constructor(opts: PostgresOptions) {
    this.location = maskUrl(opts.url);
    this.pool = new pg.Pool({
      connectionString: opts.url,
      max: opts.poolSize ?? 16,
      connectionTimeoutMillis: opts.connectTimeoutMs ?? 5000,
      idleTimeoutMillis: 30_000,
      types,
      application_name: 'vigil-collector',
    });
    // an idle client whose server went away emits here; without a listener the process would die
    this.pool.on('error', (err) => opts.logger?.warn({ err: err.message, store: this.location }, 'PostgreSQL connection lost'));
    this.exec = poolExec(this.pool, this.location);
    const r = bind(this.exec, this, true);
    this.agents = r.agents;
    this.checks = r.checks;
    this.incidents = r.incidents;
    this.outbox = r.outbox;
    this.exclusions = r.exclusions;
    this.settings = r.settings;
    this.apiTokens = r.apiTokens;
    this.audit = r.audit;
    this.reports = r.reports;
  }

  /** Connects (a coded error naming the URL, password masked, when it cannot) and migrates. */
  static async open(opts: PostgresOptions): Promise<PostgresStore> {
    const s = new PostgresStore(opts);
    try {
      s.appliedAtOpen = (await s.migrate()).applied;
    } catch (e) {
      await s.pool.end().catch(() => undefined);
      if (e instanceof VigilError) throw e;
      throw new VigilError('STORE_UNAVAILABLE', `cannot use PostgreSQL at ${s.location}: ${(e as Error).message}`, [], { cause: e });
    }
    return s;
  }

  transaction<T>(fn: (tx: Store) => Promise<T>): Promise<T> {
    return this.exec.tx((x) => {
      const tx: Store = bind(x, {
        engine: 'postgres',
        location: this.location,
        transaction: (f) => f(tx),
        migrate: () => this.migrate(),
        backup: (dest, onProgress) => this.backup(dest, onProgress),
        close: async () => undefined,
      });
      return fn(tx);
    });
  }

  /** pg_dump's job (postgres/backup.ts): a coded error that names it. */
  async backup(_destPath: string, _onProgress?: BackupProgressFn): Promise<BackupResult> {
    throw postgresBackupUnsupported(this.location);
  }

  async migrate(): Promise<{ version: number; applied: number[] }> {
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (e) {
      throw mapError(e, this.location);
    }
    const x = clientExec(client, this.location);
    const onError = () => undefined; // a failure shows in the query that meets it
    client.on('error', onError);
    try {
      await x.q('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
      await x.q('CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)');
      const row = (await x.q('SELECT version FROM schema_version')).rows[0];
      if (!row) await x.q('INSERT INTO schema_version (version) VALUES (0)');
      let version = Number(row?.version ?? 0);
      if (version > POSTGRES_MIGRATIONS.length) {
        throw new VigilError(
          'STORE_SCHEMA',
          `${this.location} has schema version ${version}; this collector knows ${POSTGRES_MIGRATIONS.length}. Upgrade the collector.`,
        );
      }
      const applied: number[] = [];
      for (; version < POSTGRES_MIGRATIONS.length; version++) {
        await x.q('BEGIN');
        try {
          await x.q(POSTGRES_MIGRATIONS[version]!);
          await x.q('UPDATE schema_version SET version = $1', [version + 1]);
          await x.q('COMMIT');
        } catch (e) {
          await x.q('ROLLBACK').catch(() => undefined);
          throw e;
        }
        applied.push(version + 1);
      }
      return { version, applied };
    } finally {
      // a session lock: held by the pooled connection until released here, also after a failed migration
      await x.q('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined);
      client.off('error', onError);
      client.release();
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
