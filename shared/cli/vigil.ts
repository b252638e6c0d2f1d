#!/usr/bin/env node
/**
 * The `vigil` command. Wiring only: each subcommand lives beside the code it drives.
 *   vigil collector …     collector/src/cli/collector-command.ts
 *   vigil token …         collector/src/cli/token-command.ts   (enrollment tokens, admin)
 *   vigil sla …           collector/src/cli/sla-command.ts (online) + shared/sla/cli.ts (offline compute)
 *   vigil incident …      collector/src/cli/incident-command.ts
 *   vigil agent …         agent/src/cli.ts
 *   vigil demo            shared/cli/demo.ts
 */
import { Command, CommanderError } from 'commander';
import { isVigilError } from '../errors.js';
import { collectorCommand } from '../../collector/src/cli/collector-command.js';
import { tokenCommand } from '../../collector/src/cli/token-command.js';
import { slaCommand } from '../../collector/src/cli/sla-command.js';
import { incidentCommand } from '../../collector/src/cli/incident-command.js';
import { agentCommand } from '../../agent/src/cli.js';
import { demoCommand } from './demo.js';
import { VERSION } from '../version.js';

export function buildProgram(): Command {
  const program = new Command('vigil')
    .description('Vigil — SLA monitoring for managed service providers')
    .version(VERSION)
    .showHelpAfterError()
    .enablePositionalOptions();
  program.addCommand(collectorCommand());
  program.addCommand(tokenCommand());
  program.addCommand(slaCommand());
  program.addCommand(incidentCommand());
  program.addCommand(agentCommand());
  program.addCommand(demoCommand());
  return program;
}

async function main(argv: string[]): Promise<void> {
  const program = buildProgram().exitOverride();
  try {
    await program.parseAsync(argv);
  } catch (e) {
    if (e instanceof CommanderError) {
      process.exitCode = e.exitCode;
      return;
    }
    if (isVigilError(e)) {
      process.stderr.write(e.toText() + '\n');
      process.exitCode = 2;
      return;
    }
    process.stderr.write(`VIGIL_ERR_INTERNAL: ${(e as Error)?.stack ?? String(e)}\n`);
    process.exitCode = 1;
  }
}

await main(process.argv);
