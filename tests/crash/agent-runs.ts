/**
 * The real agent as production starts it (bin/vigil-agent, the bundle in dist/), one process per
 * run, its JSON log read as it comes: the seals are the agent's own account of what it took
 * (`batch sealed into the spool` at debug level, logged once the batch is in the spool).
 */
import { startChild, VIGIL_AGENT, type Child } from '../helpers/net.js';

export interface Seal {
  seq: number;
  samples: number;
  /** The agent's log time (ms since the epoch, same machine clock as the test's). */
  at: number;
}

export interface AgentRun {
  readonly child: Child;
  readonly pid: number;
  /** Test-clock ms of the spawn, and of the SIGKILL (undefined: not killed). */
  readonly spawnedAt: number;
  killedAt?: number;
  readonly seals: Seal[];
  /** Log lines at error level and the spool's warnings about damage or drops, kept whole. */
  readonly problems: Array<Record<string, unknown>>;
  /** Batches the run found in the spool at start (`batches from before the restart`). */
  recovered: number;
  readonly exited: Promise<void>;
  kill(): Promise<void>;
}

/** Lines that say something was lost, skipped or damaged: every one is reported, and some fail the test. */
const PROBLEM = /^spool: (skipped|batches older|spool\.maxBytes|send\.queueMaxBatches|disk full|a batch larger)|lost|dropp/;

export function startAgentRun(configFile: string): AgentRun {
  const child = startChild(VIGIL_AGENT, ['run', '-c', configFile]);
  let exit!: () => void;
  const exited = new Promise<void>((r) => (exit = r));
  child.proc.once('exit', () => exit());
  const run: AgentRun = {
    child,
    pid: child.proc.pid!,
    spawnedAt: Date.now(),
    seals: [],
    problems: [],
    recovered: 0,
    exited,
    async kill() {
      if (child.proc.exitCode === null && child.proc.signalCode === null) {
        run.killedAt = Date.now();
        child.proc.kill('SIGKILL');
      }
      await exited;
    },
  };
  let rest = '';
  child.proc.stdout!.on('data', (d: Buffer) => {
    const lines = (rest + d.toString('utf8')).split('\n');
    rest = lines.pop()!;
    for (const line of lines) {
      let j: Record<string, unknown>;
      try {
        j = JSON.parse(line);
      } catch {
        continue; // not a log line
      }
      const msg = String(j.msg ?? '');
      if (msg === 'batch sealed into the spool') run.seals.push({ seq: j.seq as number, samples: j.samples as number, at: Date.parse(String(j.time)) });
      else if (msg.startsWith('spool: batches from before the restart')) run.recovered = j.batches as number;
      if (Number(j.level) >= 50 || PROBLEM.test(msg)) run.problems.push(j);
    }
  });
  return run;
}
