/**
 * bench:sea — the single-file agent (dist/sea/vigil-agent, npm run build:sea) next to the bundle
 * under node (bin/vigil-agent, the reference), in the same run: size of the artifact, and its
 * start-up as wall time of whole commands (process start to exit), median of BENCH_RUNS (default
 * 15) alternating runs: `--version` (start-up alone) and `check-config` of bench:agent's 50 checks
 * (start-up, config parsing and validation of every probe's options). The executable runs with an
 * empty PATH and nothing else in its environment but its unit's settings (no node anywhere); the
 * launcher needs node on PATH. Also the executable's first start with its file dropped from the page
 * cache, as after a reboot (one run: a figure of this machine's disk). bench:agent measures the
 * running agent. Progress on stderr, one JSON line on stdout.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { SEA_ENVIRONMENT } from '../../agent/sea/flags.js';
import { defaultRegistry } from '../../agent/src/probes/registry.js';
import { tempDir } from '../helpers/net.js';
import { buildChecks } from './agent-checks.js';
import { dropFromPageCache } from './agent-launch.js';
import type { Targets } from './agent-targets.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SEA = join(ROOT, 'dist/sea/vigil-agent');
const LAUNCHER = join(ROOT, 'bin/vigil-agent');
const RUNS = Number(process.env.BENCH_RUNS ?? 15);
const log = (m: string) => process.stderr.write(`[bench:sea] ${m}\n`);

if (process.env.BENCH_SKIP_BUILD !== '1') {
  log('npm run build:sea (the bundle for the reference, then the executable, cached by its inputs)');
  const b = spawnSync('npm', ['run', 'build:sea', '--silent'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  if (b.status !== 0) throw new Error('npm run build:sea failed');
}

const dir = tempDir();
try {
  const empty = join(dir.path, 'empty');
  mkdirSync(empty);
  const ports = { httpPort: 8080, httpsPort: 8443, tcpPort: 2222, voipPort: 8461, dnsPort: 5353, sipPort: 5060 } as Targets;
  const { checks } = buildChecks(50, new Set(defaultRegistry().keys()), ports, 10);
  const config = join(dir.path, 'agent.yaml');
  writeFileSync(config, stringify({ collector: { url: 'http://127.0.0.1:9', config: 'local' }, stateDir: './state', host: { enabled: true }, checks }));

  const agents = {
    sea: { cmd: SEA, env: { PATH: empty, HOME: dir.path, ...SEA_ENVIRONMENT } },
    nodeBundle: { cmd: LAUNCHER, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir.path } },
  };
  const once = (a: { cmd: string; env: Record<string, string> }, args: string[]): number => {
    const t0 = performance.now();
    const r = spawnSync(a.cmd, args, { cwd: dir.path, env: a.env, encoding: 'utf8' });
    const ms = performance.now() - t0;
    if (r.status !== 0) throw new Error(`${a.cmd} ${args.join(' ')}: exit ${r.status}\n${r.stderr}${r.error?.message ?? ''}`);
    return ms;
  };
  const median = (xs: number[]) => Math.round(xs.sort((a, b) => a - b)[xs.length >> 1]! * 10) / 10;

  dropFromPageCache(SEA);
  const fromDiskMs = Math.round(once(agents.sea, ['--version']) * 10) / 10;
  const commands = { version: ['--version'], checkConfig: ['check-config', '-c', config] };
  const startMs: Record<string, Record<string, number>> = {};
  for (const [name, args] of Object.entries(commands)) {
    const times: Record<keyof typeof agents, number[]> = { sea: [], nodeBundle: [] };
    once(agents.sea, args); // the first of each: page cache and CPU caches warm for both
    once(agents.nodeBundle, args);
    for (let i = 0; i < RUNS; i++) for (const k of Object.keys(agents) as Array<keyof typeof agents>) times[k].push(once(agents[k], args));
    startMs[name] = { sea: median(times.sea), nodeBundle: median(times.nodeBundle) };
    log(`${name}: executable ${startMs[name]!.sea} ms, node + bundle ${startMs[name]!.nodeBundle} ms (median of ${RUNS})`);
  }
  const bytes = statSync(SEA).size;
  const result = {
    bench: 'sea',
    artifact: 'dist/sea/vigil-agent',
    bytes,
    sizeMB: Math.round((bytes / 1048576) * 10) / 10,
    sha256: readFileSync(`${SEA}.sha256`, 'utf8').split(' ')[0],
    node: process.version,
    runs: RUNS,
    startMs,
    firstStartFromDiskMs: fromDiskMs,
    checks: checks.length,
    loadAverage: readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).map(Number),
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
} finally {
  dir.remove();
}
