import { Command } from 'commander';
import { systemClock } from '../../shared/clock.js';
import { createLogger, silentLogger } from '../../shared/logger.js';
import { commandChecks } from './cli-checks.js';
import { loadAgentConfig } from './config.js';
import { enroll } from './enroll.js';
import { startAgent } from './main.js';
import { defaultRegistry } from './probes/registry.js';
import { ProbeRuntime } from './probes/runtime.js';
import { runCheck } from './scheduler.js';
import { startEchoResponder } from './voip/responder.js';
import { VigilError } from '../../shared/errors.js';
import { closeOnSignals } from '../../shared/shutdown.js';

export function agentCommand(): Command {
  const cmd = new Command('agent').description('the site agent: run checks and send results to the collector');
  cmd
    .command('run')
    .description('run the agent')
    .requiredOption('-c, --config <file>', 'agent config YAML')
    .action(async (o: { config: string }) => {
      const registry = defaultRegistry();
      const config = loadAgentConfig(o.config, registry);
      const logger = createLogger({ level: config.logLevel, name: 'agent' });
      const handle = await startAgent(config, registry, logger);
      closeOnSignals(() => handle.stop());
    });
  cmd
    .command('enroll')
    .description('enroll this agent with an enrollment token; stores its own token in the state dir (mode 0600)')
    .requiredOption('--collector <url>', 'collector URL')
    .option('--token <token>', 'enrollment token from `vigil token create` (visible to other local users in the process list: prefer env VIGIL_ENROLL_TOKEN)')
    .requiredOption('--state-dir <dir>', 'where agent.json is kept')
    .option('--name <name>', 'agent name (default: hostname)')
    .action(async (o: { collector: string; token?: string; stateDir: string; name?: string }) => {
      const token = o.token ?? process.env.VIGIL_ENROLL_TOKEN;
      if (!token) throw new VigilError('CONFIG_INVALID', 'an enrollment token is needed: env VIGIL_ENROLL_TOKEN (or --token)');
      const s = await enroll({ ...o, token });
      process.stdout.write(`enrolled as ${s.agentId} (client ${s.clientId}, site ${s.siteId}); identity in ${o.stateDir}/agent.json\n`);
    });
  cmd
    .command('check-config')
    .description('validate the agent config; lists every problem with its path')
    .requiredOption('-c, --config <file>', 'agent config YAML')
    .action(async (o: { config: string }) => {
      const registry = defaultRegistry();
      const config = loadAgentConfig(o.config, registry);
      // central: the configuration saved in the state dir, validated as `run` validates it (no network)
      const c = await commandChecks(config, registry, { fetch: false });
      if (c.note) process.stderr.write(`${c.note}\n`);
      process.stdout.write(`ok: ${o.config} (${c.checks.length} checks${config.configSource === 'central' ? `, ${c.source}` : ''})\n`);
    });
  cmd
    .command('run-once')
    .description('run every check once and print the results')
    .requiredOption('-c, --config <file>', 'agent config YAML')
    .option('--json', 'print one JSON document')
    .action(async (o: { config: string; json?: boolean }) => {
      const registry = defaultRegistry();
      const config = loadAgentConfig(o.config, registry);
      // central: the collector's current configuration for this agent, or the one saved when it cannot answer
      const chosen = await commandChecks(config, registry, { fetch: true });
      if (chosen.note) process.stderr.write(`${chosen.note}\n`);
      if (!o.json) process.stderr.write(`${chosen.checks.length} checks from ${chosen.source}\n`);
      const runtime = new ProbeRuntime();
      let results: Awaited<ReturnType<typeof runCheck>>[];
      try {
        results = await Promise.all(chosen.checks.map((c) => runCheck(c, registry, runtime, systemClock, silentLogger())));
      } finally {
        await runtime.close(); // the process exits with nothing left open: no raw socket, Client or pacer timer
      }
      if (o.json) process.stdout.write(JSON.stringify({ results }, null, 2) + '\n');
      else
        for (const r of results)
          process.stdout.write(
            `${r.checkId.padEnd(24)} ${r.status.padEnd(9)} ${r.durationMs.toFixed(1).padStart(8)} ms  ${r.reason ?? ''} ${r.message ?? ''}\n`,
          );
    });
  cmd
    .command('responder')
    .description('answer VoIP path-quality probes (UDP echo)')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--port <port>', 'UDP port', '8461')
    .action(async (o: { host: string; port: string }) => {
      const r = await startEchoResponder({ host: o.host, port: Number(o.port) });
      process.stdout.write(`responder listening on udp ${o.host}:${r.port}\n`);
    });
  return cmd;
}
