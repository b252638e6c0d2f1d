import { Command } from 'commander';

// PLACEHOLDER — replaced by the owner of this file.
export function demoCommand(): Command {
  return new Command('demo').description('(not yet built)');
}
