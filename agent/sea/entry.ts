/**
 * main of the single-file agent (agent/sea/build.mjs bundles it as CommonJS, which is what a
 * Node 20 SEA runs): the same commands as bin/vigil-agent (run, enroll, check-config, run-once,
 * responder). Its native packages come from the executable's assets (agent/sea/native-require.ts).
 */
import './v8-flags.js';
import { runProgram } from '../../shared/run-program.js';
import { VERSION } from '../../shared/version.js';
import { agentCommand } from '../src/cli.js';
import { missingEnvironment } from './flags.js';

const args = process.argv.slice(2);
if (args[0] === 'run') {
  const missing = missingEnvironment(process.env);
  // not an error: the agent runs the same, only with a larger footprint (e.g. started by hand)
  if (missing.length > 0)
    process.stderr.write(
      `vigil-agent: ${missing.join(', ')} not set as the service sets them: the agent runs with a larger resident footprint (docs/agent-footprint.md, "The single-file agent")\n`,
    );
}
void runProgram(agentCommand().name('vigil-agent').version(VERSION).showHelpAfterError(), args);
