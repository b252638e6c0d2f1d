import BetterSqlite3, { type Database } from 'better-sqlite3';
import { chmodSync, existsSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { VigilError } from '../../../../shared/errors.js';
import type { BackupProgressFn, BackupResult, Store } from '../types.js';
import { sqliteApiTokens, sqliteAudit, sqliteReportArchive } from './access.js';
import { sqliteAgents } from './agents.js';
import { backupSqlite } from './backup.js';
import { sqliteChecks } from './checks.js';
import { direct, Gate, type Run } from './gate.js';
import { sqliteIncidents } from './incidents.js';
import { SQLITE_MIGRATIONS } from './migrations/index.js';
import { sqliteExclusions, sqliteSettings } from './misc.js';
import { sqliteOutbox } from './outbox.js';

/** The repositories of one runner: the gated one outside transactions, the direct one inside. */
function repos(db: Database, run: Run, groupCommit: boolean) {
  return {
    agents: sqliteAgents(db, run),
    checks: sqliteChecks(db, run, groupCommit),
    incidents: sqliteIncidents(db, run),
    outbox: sqliteOutbox(db, run),
    exclusions: sqliteExclusions(db, run),
    settings: sqliteSettings(db, run),
    apiTokens: sqliteApiTokens(db, run),
    audit: sqliteAudit(db, run),
    reports: sqliteReportArchive(db, run),
  };
}

/**
 * The embedded store: one SQLite file (`vigil.db`) in WAL mode, created 0600 in a 0700
 * directory (it holds the acknowledge-link secret). Needs no server.
 */
export class SqliteStore implements Store {
  readonly engine = 'sqlite' as const;
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
  private readonly db: Database;
  private readonly gate = new Gate();
  private readonly tx: Store;

  /** What opening it applied (the CLI's `collector migrate` reports it). */
  readonly appliedAtOpen: number[];

  /** Opens (creating if needed) `dataDir/vigil.db` and applies the migrations not applied yet. */
  constructor(dataDir: string) {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    this.location = join(dataDir, 'vigil.db');
    const fresh = !existsSync(this.location);
    // the file holds the acknowledge-link key and token hashes: refuse one that other users can read
    for (const f of [this.location, `${this.location}-wal`])
      if (existsSync(f) && statSync(f).mode & 0o077)
        throw new VigilError('SECRET_FILE_OPEN', `${f} is readable by other users (mode ${(statSync(f).mode & 0o777).toString(8)}): run \`chmod 600 ${f}\``);
    try {
      this.db = new BetterSqlite3(this.location);
      this.db.pragma('journal_mode = WAL');
    } catch (e) {
      throw new VigilError('STORE_UNAVAILABLE', `cannot open the SQLite database ${this.location}: ${(e as Error).message}`, [], { cause: e });
    }
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('busy_timeout = 5000');
    // 64 MiB of page cache: the indexes of a busy results table stay in memory (measured +20 % ingest)
    this.db.pragma('cache_size = -65536');
    if (fresh) for (const f of [this.location, `${this.location}-wal`, `${this.location}-shm`]) if (existsSync(f)) chmodSync(f, 0o600);
    this.appliedAtOpen = this.applyMigrations().applied;
    const r = repos(this.db, this.gate.run, true);
    this.agents = r.agents;
    this.checks = r.checks;
    this.incidents = r.incidents;
    this.outbox = r.outbox;
    this.exclusions = r.exclusions;
    this.settings = r.settings;
    this.apiTokens = r.apiTokens;
    this.audit = r.audit;
    this.reports = r.reports;
    const inner = repos(this.db, direct, false);
    this.tx = {
      ...inner,
      engine: 'sqlite',
      location: this.location,
      transaction: (fn) => fn(this.tx),
      migrate: () => this.migrate(),
      backup: (dest, onProgress) => this.backup(dest, onProgress),
      close: async () => undefined,
    };
  }

  static async open(dataDir: string): Promise<SqliteStore> {
    return new SqliteStore(dataDir);
  }

  async transaction<T>(fn: (tx: Store) => Promise<T>): Promise<T> {
    return this.gate.exclusive(async () => {
      this.db.exec('BEGIN IMMEDIATE');
      try {
        const r = await fn(this.tx);
        this.db.exec('COMMIT');
        return r;
      } catch (e) {
        if (this.db.inTransaction) this.db.exec('ROLLBACK');
        throw e;
      }
    });
  }

  async migrate(): Promise<{ version: number; applied: number[] }> {
    return this.gate.exclusive(async () => this.applyMigrations());
  }

  /** A consistent copy while ingest goes on (sqlite/backup.ts): its own read-only connection, so this one keeps writing. */
  backup(destPath: string, onProgress?: BackupProgressFn): Promise<BackupResult> {
    return backupSqlite(this.location, destPath, onProgress);
  }

  private applyMigrations(): { version: number; applied: number[] } {
    this.db.exec('CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)');
    const row = this.db.prepare('SELECT version FROM schema_version').get() as { version: number } | undefined;
    if (!row) this.db.prepare('INSERT INTO schema_version (version) VALUES (0)').run();
    let version = row?.version ?? 0;
    if (version > SQLITE_MIGRATIONS.length) {
      throw new VigilError(
        'STORE_SCHEMA',
        `${this.location} has schema version ${version}; this collector knows ${SQLITE_MIGRATIONS.length}. Upgrade the collector.`,
      );
    }
    const applied: number[] = [];
    for (; version < SQLITE_MIGRATIONS.length; version++) {
      this.db.transaction(() => {
        this.db.exec(SQLITE_MIGRATIONS[version]!);
        this.db.prepare('UPDATE schema_version SET version = ?').run(version + 1);
      })();
      applied.push(version + 1);
    }
    return { version, applied };
  }

  async close(): Promise<void> {
    await this.gate.exclusive(async () => {
      if (this.db.open) this.db.close();
    });
  }
}
