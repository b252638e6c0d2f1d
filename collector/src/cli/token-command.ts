import { Command } from 'commander';

// PLACEHOLDER — replaced by the owner of this file.
export function tokenCommand(): Command {
  return new Command('token').description('(not yet built)');
}
