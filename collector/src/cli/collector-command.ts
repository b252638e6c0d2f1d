import { Command } from 'commander';
import { loadCollectorConfig } from '../config.js';
import { loadDefinitionsDir } from '../../../shared/sla-files/definition-files.js';
import { startCollector } from '../server.js';
import { openStore } from '../store/open-store.js';
import { backupStore, restoreStore } from '../store/backup-store.js';
import { closeOnSignals } from '../../../shared/shutdown.js';
import type { BackupProgressFn } from '../store/backup-types.js';

export function collectorCommand(): Command {
  const cmd = new Command('collector').description('run or check the central collector');
  cmd
    .command('run')
    .description('start the collector (SQLite in dataDir, or the PostgreSQL of store.url; listens on listen.host:port)')
    .requiredOption('-c, --config <file>', 'collector config YAML')
    .action(async (o: { config: string }) => {
      const handle = await startCollector(o.config);
      closeOnSignals(() => handle.close());
    });
  cmd
    .command('check-config')
    .description('validate the config and the SLA definitions; lists every problem with its path')
    .requiredOption('-c, --config <file>', 'collector config YAML')
    .action((o: { config: string }) => {
      const config = loadCollectorConfig(o.config);
      const defs = config.slaDir ? loadDefinitionsDir(config.slaDir) : [];
      process.stdout.write(`ok: ${o.config} (${defs.length} SLA definition${defs.length === 1 ? '' : 's'})\n`);
    });
  cmd
    .command('migrate')
    .description('apply the database migrations not applied yet (also done at start); idempotent')
    .requiredOption('-c, --config <file>', 'collector config YAML')
    .action(async (o: { config: string }) => {
      const config = loadCollectorConfig(o.config);
      const store = await openStore(config.store);
      try {
        const { version } = await store.migrate();
        const applied = store.appliedAtOpen;
        process.stdout.write(
          `${store.engine} ${store.location}: schema version ${version}${applied.length ? ` (applied ${applied.join(', ')})` : ' (up to date)'}\n`,
        );
      } finally {
        await store.close();
      }
    });
  cmd
    .command('backup')
    .description('write a consistent copy of the SQLite database to FILE (0600, checked) while the collector runs; PostgreSQL: use pg_dump')
    .argument('<file>', 'the backup file to write (replaced only once the new copy is whole and checked)')
    .requiredOption('-c, --config <file>', 'collector config YAML')
    .action(async (file: string, o: { config: string }) => {
      const r = await collectorBackup(o.config, file, { onProgress: progressOnTerminal() });
      if (process.stderr.isTTY) process.stderr.write('\r\x1b[K');
      process.stdout.write(
        `backed up ${r.source} to ${r.path}: ${mib(r.bytes)}, schema version ${r.schemaVersion}, ` +
          `last result ${r.lastResultAt === null ? 'none' : new Date(r.lastResultAt).toISOString()}, integrity ok, ${r.durationMs} ms\n`,
      );
    });
  cmd
    .command('restore')
    .description('put a backup in place of the SQLite database (collector stopped); the database it replaces is kept as <db>.before-restore-<time>')
    .argument('<file>', 'a backup made by `vigil collector backup`')
    .requiredOption('-c, --config <file>', 'collector config YAML')
    .option('--force', 'replace a database that exists (it is kept aside, not deleted)', false)
    .action(async (file: string, o: { config: string; force: boolean }) => {
      const r = await collectorRestore(o.config, file, { force: o.force });
      process.stdout.write(
        `restored ${file} to ${r.path}: ${mib(r.bytes)}, schema version ${r.schemaVersion}${r.applied.length ? ` (migrated: ${r.applied.join(', ')})` : ''}, ` +
          `last result ${r.lastResultAt === null ? 'none' : new Date(r.lastResultAt).toISOString()}\n` +
          `${r.keptAs ? `the database it replaced is kept as ${r.keptAs}\n` : ''}start the collector: vigil collector run -c ${o.config}\n`,
      );
    });
  return cmd;
}

/** `vigil collector backup`: the store of this config, backed up to `file` (what the command prints comes from the result). */
export async function collectorBackup(configFile: string, file: string, opts: { onProgress?: BackupProgressFn } = {}) {
  const config = loadCollectorConfig(configFile);
  return backupStore(config.store, file, opts.onProgress);
}

/** `vigil collector restore`: `file` in place of this config's database; refuses while a collector has it open. */
export async function collectorRestore(configFile: string, file: string, opts: { force?: boolean; now?: number } = {}) {
  const config = loadCollectorConfig(configFile);
  // a collector listening on every address answers on loopback
  const local = config.host === '0.0.0.0' ? '127.0.0.1' : config.host === '::' ? '::1' : config.host;
  const host = local.includes(':') ? `[${local}]` : local;
  return restoreStore(config.store, file, {
    force: opts.force === true,
    now: opts.now ?? Date.now(),
    collectorUrl: `${config.security.tls ? 'https' : 'http'}://${host}:${config.port}`,
  });
}

const mib = (bytes: number) => `${(bytes / 1048576).toFixed(1)} MiB`;

/** A percentage on a terminal, rewritten in place; nothing when stderr is a file or a pipe (cron mails stay short). */
function progressOnTerminal(): BackupProgressFn | undefined {
  if (!process.stderr.isTTY) return undefined;
  let shown = -1;
  return (p) => {
    const pct = p.totalPages === 0 ? 100 : Math.floor(((p.totalPages - p.remainingPages) / p.totalPages) * 100);
    if (pct !== shown) process.stderr.write(`\rbackup: ${(shown = pct)} %`);
    return undefined;
  };
}
