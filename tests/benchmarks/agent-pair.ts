/**
 * bench:agent for an A/B comparison: two (or more) agents side by side in one run, each
 * `BENCH_PAIR_LAUNCHERS` entry (comma-separated: bin/vigil-agent paths, e.g. two builds in other
 * trees, or `sea`, `sea:PATH`, `sea-bare`, `node`, each with `@FLAGS`: launchFromSpec in agent-launch.ts) with the same 50 checks against the same loopback targets and collector, each as its own
 * client, measured in the same window. On this shared 2-core machine the single-agent figure moves
 * by ± 0.05 point or more with what else runs; two agents in one window see the same load, so their
 * difference holds to ≈ 0.01 point. Run it with the order swapped as well (the first agent's checks
 * start a moment earlier). CPU from /proc ticks (as bench:agent) and from schedstat (ns, all threads).
 * One JSON line on stdout. BENCH_SECONDS (default 300), BENCH_WARMUP_SECONDS (default 30).
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { stringify } from 'yaml';
import { freePort, startChild, tempDir, waitFor, type Child } from '../helpers/net.js';
import { buildChecks } from './agent-checks.js';
import { launchFromSpec, startAgentChild } from './agent-launch.js';
import { ProcSampler } from './agent-proc.js';
import { startTargets, type Targets } from './agent-targets.js';
import { runBench } from './bench-main.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const VIGIL = join(ROOT, 'dist/cli/vigil.js');
const LAUNCHERS = (process.env.BENCH_PAIR_LAUNCHERS ?? '').split(',').filter(Boolean);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 300);
const WARMUP_S = Number(process.env.BENCH_WARMUP_SECONDS ?? 30);
const ADMIN = 'bench-admin-token-0123456789abcdef';
const AS_ADMIN = { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' };
const log = (m: string) => process.stderr.write(`[bench:agent-pair] ${m}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** On-CPU ns of every live thread of `pid` (schedstat: exact, where /proc/pid/stat counts 10 ms ticks). */
function runNs(pid: number): number {
  let ns = 0;
  for (const t of readdirSync(`/proc/${pid}/task`)) ns += Number(readFileSync(`/proc/${pid}/task/${t}/schedstat`, 'utf8').split(' ')[0]);
  return ns;
}

if (LAUNCHERS.length < 2) throw new Error('BENCH_PAIR_LAUNCHERS: two or more agents, comma-separated (bin/vigil-agent paths, sea, sea:PATH, sea-bare, node)');
const dir = tempDir();
const children: Child[] = [];
let targets: Targets | undefined;
const start = (cmd: string, args: string[], env?: Record<string, string>) => {
  const c = startChild(cmd, args, dir.path, env);
  children.push(c);
  return c;
};

async function run(): Promise<Record<string, unknown>> {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  writeFileSync(
    join(dir.path, 'collector.yaml'),
    stringify({ listen: { host: '127.0.0.1', port }, dataDir: './data', adminToken: ADMIN, log: { level: 'warn' } }),
  );
  start('node', [VIGIL, 'collector', 'run', '-c', join(dir.path, 'collector.yaml')]);
  await waitFor(async () => (await fetch(`${base}/healthz`)).ok || undefined, 'collector', 20_000);
  const { defaultRegistry } = (await import(pathToFileURL(join(ROOT, 'dist/agent/src/probes/registry.js')).href)) as {
    defaultRegistry(): ReadonlyMap<string, unknown>;
  };
  const types = new Set(defaultRegistry().keys());
  targets = await startTargets(dir.path, VIGIL, { dns: types.has('dns'), sip: types.has('sip') });
  const agents: Child[] = [];
  for (const [k, launcher] of LAUNCHERS.entries()) {
    const client = `bench${k}`;
    const body = JSON.stringify({ clientId: client, siteId: 'lab', maxUses: 1 });
    const { token } = (await (await fetch(`${base}/api/v1/admin/enrollment-tokens`, { method: 'POST', headers: AS_ADMIN, body })).json()) as { token: string };
    const enroll = start('node', [
      VIGIL,
      'agent',
      'enroll',
      '--collector',
      base,
      '--token',
      token,
      '--state-dir',
      join(dir.path, `agent${k}`),
      '--name',
      `a${k}`,
    ]);
    await new Promise((r) => enroll.proc.once('exit', r));
    if (enroll.proc.exitCode !== 0) throw new Error(`enroll failed: ${enroll.output()}`);
    const { checks } = buildChecks(50, types, targets, 10);
    const config = { collector: { url: base }, stateDir: `./agent${k}`, labels: { client, site: 'lab' }, host: { enabled: true }, checks };
    writeFileSync(join(dir.path, `agent${k}.yaml`), stringify(config));
    const { launch, nodeFlags } = launchFromSpec(ROOT, launcher);
    agents.push(startAgentChild(launch, ['run', '-c', join(dir.path, `agent${k}.yaml`)], nodeFlags, start));
  }
  const reporting = async (k: number) =>
    ((await (await fetch(`${base}/api/v1/checks?client=bench${k}`, { headers: AS_ADMIN })).json()) as { checks: unknown[] }).checks.length;
  for (const k of agents.keys()) await waitFor(async () => (await reporting(k)) === 50 || undefined, `all 50 checks of agent ${k}`, 30_000);
  log(`${agents.length} agents reporting; warm-up ${WARMUP_S} s, then ${SECONDS} s`);
  await sleep(WARMUP_S * 1000);
  const samplers = agents.map((a) => new ProcSampler(a.proc.pid!));
  const ns0 = agents.map((a) => runNs(a.proc.pid!));
  const t0 = performance.now();
  samplers.forEach((s) => s.begin());
  await sleep(SECONDS * 1000);
  const footprints = samplers.map((s) => s.end());
  const wallMs = performance.now() - t0;
  const ns1 = agents.map((a) => runNs(a.proc.pid!));
  return {
    bench: 'agent-pair',
    seconds: SECONDS,
    loadAverage: readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).map(Number),
    agents: agents.map((a, k) => ({
      launcher: LAUNCHERS[k],
      cpuPercent: footprints[k]!.cpuPercent,
      cpuSchedPercent: Math.round(((ns1[k]! - ns0[k]!) / 1e6 / wallMs) * 1e5) / 1e3,
      rssMeanMB: footprints[k]!.rssMeanMB,
      rssMaxMB: footprints[k]!.rssMaxMB,
      running: a.proc.exitCode === null,
    })),
  };
}

await runBench(
  run,
  async () => {
    await Promise.all(children.reverse().map((c) => c.stop()));
    await targets?.close();
    dir.remove();
  },
  log,
);
