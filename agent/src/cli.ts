import { Command } from 'commander';

// PLACEHOLDER — replaced by the owner of this file.
export function agentCommand(): Command {
  return new Command('agent').description('(not yet built)');
}
