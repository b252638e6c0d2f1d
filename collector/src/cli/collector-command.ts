import { Command } from 'commander';
import { loadCollectorConfig } from '../config.js';
import { loadDefinitionsDir } from '../../../shared/sla/definition.js';
import { startCollector } from '../server.js';
import { closeOnSignals } from '../../../shared/cli/shutdown.js';

export function collectorCommand(): Command {
  const cmd = new Command('collector').description('run or check the central collector');
  cmd
    .command('run')
    .description('start the collector (SQLite in dataDir, listens on listen.host:port)')
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
  return cmd;
}
