/**
 * Which agent bench:agent (and bench:sea) measure, built the way it ships:
 *   - `sea` (default): the single-file agent dist/sea/vigil-agent (npm run build:sea), what MSPs
 *     install, started with the environment its systemd unit sets (agent/sea/flags.ts);
 *   - `node`: bin/vigil-agent, the bundle under the node on PATH with the launcher's flags;
 *   - BENCH_AGENT_LAUNCHER=PATH: another build's bin/vigil-agent (A/B against another tree).
 * Extra node flags (BENCH_AGENT_NODE_ARGS, the profiler's) go to VIGIL_NODE_FLAGS for the launcher
 * and to NODE_OPTIONS for the executable (which takes no node flags on its command line; the
 * profiler's flags are allowed there).
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { SEA_ENVIRONMENT } from '../../agent/sea/flags.js';
import type { Child } from '../helpers/net.js';

export interface AgentLaunch {
  kind: 'sea' | 'node';
  command: string;
  /** The environment to start it with, `nodeFlags` added. */
  env(nodeFlags: string): Record<string, string>;
}

/**
 * Drops the executable's pages from the page cache before it starts, so it maps its code as from
 * disk, as after a reboot (or after the installer's `dd iflag=nocache`). A file just written on
 * Linux ≥ 6.16 ext4 sits in the page cache in large folios, and a fault then maps a whole folio:
 * the same agent showed ≈ 3–6 MB more RSS in code pages it never touches (docs/agent-footprint.md).
 * Pages mapped by a running process stay; coreutils' dd calls posix_fadvise(DONTNEED) for us.
 */
export function dropFromPageCache(file: string): void {
  const dd = spawnSync('dd', [`if=${file}`, 'iflag=nocache', 'count=0', 'status=none'], { encoding: 'utf8' });
  if (dd.status !== 0) throw new Error(`dd iflag=nocache ${file}: ${dd.stderr || dd.error?.message}`);
}

export function agentLaunch(root: string, env: NodeJS.ProcessEnv = process.env): AgentLaunch {
  if (env.BENCH_AGENT_LAUNCHER) return launcher(env.BENCH_AGENT_LAUNCHER);
  const kind = env.BENCH_AGENT ?? 'sea';
  if (kind === 'node') return launcher(join(root, 'bin/vigil-agent'));
  if (kind !== 'sea') throw new Error(`BENCH_AGENT=${kind}: sea (default, dist/sea/vigil-agent) or node (bin/vigil-agent)`);
  return {
    kind: 'sea',
    command: join(root, 'dist/sea/vigil-agent'),
    env: (nodeFlags) => ({ ...SEA_ENVIRONMENT, NODE_OPTIONS: [SEA_ENVIRONMENT.NODE_OPTIONS, nodeFlags].filter(Boolean).join(' ') }),
  };
}

/** Starts an agent: the executable from a cold page cache (dropFromPageCache). */
export function startAgentChild(
  launch: AgentLaunch,
  args: string[],
  nodeFlags: string,
  start: (cmd: string, args: string[], env: Record<string, string>) => Child,
): Child {
  if (launch.kind === 'sea') dropFromPageCache(launch.command);
  return start(launch.command, args, launch.env(nodeFlags));
}

/**
 * One agent-pair entry: `sea` or `sea:PATH` (an executable, with its unit's environment), `sea-bare`
 * or `sea-bare:PATH` (without that environment: what it costs to leave it out), `node`
 * (bin/vigil-agent), or the path of a bin/vigil-agent launcher; `@FLAGS` after any of them adds
 * node flags (space-separated; a later flag wins), e.g. `sea@--max-semi-space-size=2`.
 */
export function launchFromSpec(root: string, spec: string): { launch: AgentLaunch; nodeFlags: string } {
  const [what, nodeFlags = ''] = spec.split(/@(.*)/s) as [string, string | undefined];
  const [kind, path] = what.split(/:(.*)/s) as [string, string | undefined];
  const exe = path || join(root, 'dist/sea/vigil-agent');
  if (kind === 'sea') return { launch: { ...agentLaunch(root, { BENCH_AGENT: 'sea' }), command: exe }, nodeFlags };
  if (kind === 'sea-bare') return { launch: { kind: 'sea', command: exe, env: (f) => ({ NODE_OPTIONS: f }) }, nodeFlags };
  return { launch: launcher(kind === 'node' ? join(root, 'bin/vigil-agent') : what), nodeFlags };
}

function launcher(command: string): AgentLaunch {
  return { kind: 'node', command, env: (nodeFlags) => ({ VIGIL_NODE_FLAGS: nodeFlags }) };
}

/** npm run build (dist/, the bench's collector and targets), and npm run build:sea for the executable (cached by its inputs). */
export function buildForBench(root: string, launch: AgentLaunch, log: (m: string) => void): void {
  const scripts = launch.kind === 'sea' ? ['build', 'build:sea'] : ['build'];
  for (const script of scripts) {
    log(`npm run ${script}, so the figure is the production build`);
    const b = spawnSync('npm', ['run', script, '--silent'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
    if (b.status !== 0) throw new Error(`npm run ${script} failed`);
  }
}
