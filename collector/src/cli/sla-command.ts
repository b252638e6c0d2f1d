import { Command } from 'commander';

// PLACEHOLDER — replaced by the owner of this file.
export function slaCommand(): Command {
  return new Command('sla').description('(not yet built)');
}
