#!/usr/bin/env node
/**
 * The `vigil` command. Wiring only: each subcommand lives beside the code it drives.
 *   vigil collector …     collector/src/cli/collector-command.ts
 *   vigil token …         collector/src/cli/token-command.ts   (enrollment tokens, admin)
 *   vigil api-token …     collector/src/cli/access-command.ts  (named API tokens, admin)
 *   vigil audit …         collector/src/cli/access-command.ts  (the audit log)
 *   vigil report …        collector/src/cli/report-command.ts  (contract reports, verify)
 *   vigil sla …           collector/src/cli/sla-command.ts (online) + cli/sla-compute.ts (offline compute) + cli/sla-openslo.ts
 *   vigil incident …      collector/src/cli/incident-command.ts
 *   vigil fleet …         collector/src/cli/fleet-command.ts   (the fleet view, central configuration)
 *   vigil agent …         agent/src/cli.ts
 *   vigil demo            cli/demo.ts
 * cli/ sits on top of agent/ and collector/: the only code that may import both (npm run lint:deps).
 */
import { Command } from 'commander';
import { runProgram } from '../shared/run-program.js';
import { VERSION } from '../shared/version.js';

/**
 * Each subcommand's module, loaded only when needed: `vigil agent run` on a client's
 * endpoint must not load the collector's server, database and mail stack (about 20 MB of
 * resident memory in a long-running agent).
 */
const SUBCOMMANDS: Record<string, () => Promise<Command>> = {
  collector: async () => (await import('../collector/src/cli/collector-command.js')).collectorCommand(),
  token: async () => (await import('../collector/src/cli/token-command.js')).tokenCommand(),
  'api-token': async () => (await import('../collector/src/cli/access-command.js')).apiTokenCommand(),
  audit: async () => (await import('../collector/src/cli/access-command.js')).auditCommand(),
  report: async () => (await import('../collector/src/cli/report-command.js')).reportCommand(),
  sla: async () => {
    const sla = (await import('../collector/src/cli/sla-command.js')).slaCommand();
    (await import('./sla-compute.js')).registerSlaCompute(sla);
    (await import('./sla-openslo.js')).registerSlaOpenSlo(sla);
    return sla;
  },
  incident: async () => (await import('../collector/src/cli/incident-command.js')).incidentCommand(),
  fleet: async () => (await import('../collector/src/cli/fleet-command.js')).fleetCommand(),
  agent: async () => (await import('../agent/src/cli.js')).agentCommand(),
  demo: async () => (await import('./demo.js')).demoCommand(),
};

/** The program with the subcommand named in `argv` only, or with all of them (top-level help, unknown words). */
export async function buildProgram(argv: readonly string[] = process.argv): Promise<Command> {
  const program = new Command('vigil')
    .description('Vigil — SLA monitoring for managed service providers')
    .version(VERSION)
    .showHelpAfterError()
    .enablePositionalOptions();
  const named = argv[2];
  const wanted = named !== undefined && Object.hasOwn(SUBCOMMANDS, named) ? [named] : Object.keys(SUBCOMMANDS);
  for (const name of wanted) program.addCommand(await SUBCOMMANDS[name]!());
  return program;
}

await runProgram(await buildProgram(process.argv), process.argv.slice(2));
