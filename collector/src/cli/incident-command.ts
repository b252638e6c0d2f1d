import { Command } from 'commander';

// PLACEHOLDER — replaced by the owner of this file.
export function incidentCommand(): Command {
  return new Command('incident').description('(not yet built)');
}
