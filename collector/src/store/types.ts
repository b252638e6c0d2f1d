import type { ApiTokenStore, AuditStore, ReportArchive } from './access-types.js';
import type { AgentStore } from './agent-types.js';
import type { BackupProgressFn, BackupResult } from './backup-types.js';
import type { CheckStore } from './check-types.js';
import type { ExclusionStore, IncidentStore, OutboxStore, SettingsStore } from './incident-types.js';

/**
 * The collector's one persistence seam. Every method returns a Promise so a networked
 * database can implement it; `transaction(fn)` runs `fn` against a Store bound to one
 * transaction (all or nothing). SQL lives only in `store/<engine>/`. The same contract
 * suite (tests/integration/store/contract-*.test.ts) runs against every engine.
 */
export interface Store {
  readonly engine: 'sqlite' | 'postgres';
  /** Where the data lives, for log lines (a file path, or a URL with its password masked). */
  readonly location: string;
  readonly agents: AgentStore;
  readonly checks: CheckStore;
  readonly incidents: IncidentStore;
  readonly outbox: OutboxStore;
  readonly exclusions: ExclusionStore;
  readonly settings: SettingsStore;
  readonly apiTokens: ApiTokenStore;
  readonly audit: AuditStore;
  readonly reports: ReportArchive;
  /** Runs `fn` in one transaction: committed when it resolves, rolled back when it throws. Nested calls join the outer one. */
  transaction<T>(fn: (tx: Store) => Promise<T>): Promise<T>;
  /** Applies the engine's versioned migrations not applied yet; returns the schema version and what it applied. Idempotent. */
  migrate(): Promise<{ version: number; applied: number[] }>;
  /**
   * Writes a consistent copy of the whole database to `destPath` (one file, 0600, checked before
   * it takes that name) while ingest goes on. SQLite: its online backup from a read snapshot.
   * PostgreSQL: VIGIL_ERR_BACKUP_UNSUPPORTED, naming pg_dump.
   */
  backup(destPath: string, onProgress?: BackupProgressFn): Promise<BackupResult>;
  close(): Promise<void>;
}

export * from './access-types.js';
export * from './agent-types.js';
export * from './backup-types.js';
export * from './check-types.js';
export * from './incident-types.js';
