import { CommanderError, type Command } from 'commander';
import { isVigilError } from './errors.js';

/**
 * Parses `args` (the words after the program name) and runs the command. Exit codes: 0 ok,
 * 2 a VigilError (printed as its code and every problem), 1 anything else; commander's
 * own (help, unknown option) as commander sets them.
 */
export async function runProgram(program: Command, args: readonly string[]): Promise<void> {
  try {
    await program.exitOverride().parseAsync([...args], { from: 'user' });
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
