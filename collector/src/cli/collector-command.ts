import { Command } from 'commander';
import { loadCollectorConfig } from '../config.js';
import { loadDefinitionsDir } from '../../../shared/sla-files/definition-files.js';
import { startCollector } from '../server.js';
import { openStore } from '../store/open-store.js';
import { closeOnSignals } from '../../../shared/shutdown.js';

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
  return cmd;
}
