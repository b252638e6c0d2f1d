import { Command } from 'commander';

// PLACEHOLDER — replaced by the owner of this file.
export function collectorCommand(): Command {
  return new Command('collector').description('(not yet built)');
}
