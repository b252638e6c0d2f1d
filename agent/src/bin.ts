/**
 * The agent's own program, bundled by agent/bundle.mjs into dist/agent/vigil-agent.mjs
 * (one file: no module resolution, unused code left out, a smaller resident footprint on
 * endpoints). Started by bin/vigil-agent (production flags) or by `vigil agent …`.
 */
import { pathToFileURL } from 'node:url';
import { Command } from 'commander';
import { runProgram } from '../../shared/run-program.js';
import { VERSION } from '../../shared/version.js';
import { agentCommand } from './cli.js';

/** Runs the agent CLI on `args` (e.g. ['run', '-c', 'agent.yaml']); `name` is how help names it. */
export async function runAgentCli(args: readonly string[], name = 'vigil-agent'): Promise<void> {
  const program = agentCommand().name(name).version(VERSION).showHelpAfterError();
  await runProgram(program, args);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) await runAgentCli(process.argv.slice(2));
