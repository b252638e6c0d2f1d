/**
 * bench:agent — the agent as MSPs install it (the single-file agent dist/sea/vigil-agent with the
 * environment of its systemd unit; BENCH_AGENT=node: bin/vigil-agent, the bundle under node with
 * the launcher's flags; agent-launch.ts) with 50 mixed checks at a 10 s interval and host metrics on, against loopback targets and a
 * real collector, for BENCH_SECONDS (default 300) after a 30 s warm-up. Samples the agent's
 * RSS and CPU from /proc, and Debian's prometheus-node-exporter (scraped every 10 s, as
 * Prometheus would) the same way in the same run, as the reference. Progress on stderr,
 * one JSON line on stdout. Goal: RSS ≤ 60 MB and ≤ 0.5 % of one core.
 * BENCH_PROFILE=DIR profiles the agent (agent-profile.ts): its top functions in the window on stderr and in the JSON.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { stringify } from 'yaml';
import { freePort, startChild, tempDir, waitFor, type Child } from '../helpers/net.js';
import { buildChecks, unsupportedTypes } from './agent-checks.js';
import { agentLaunch, buildForBench, startAgentChild } from './agent-launch.js';
import { ProcSampler, round, type Footprint } from './agent-proc.js';
import { monotonicUs, profileRun, profileTable, summarizeProfile, type ProfileSummary } from './agent-profile.js';
import { startTargets, type Targets } from './agent-targets.js';
import { runBench } from './bench-main.js';

const CHECKS = 50;
const INTERVAL_S = 10;
const WARMUP_S = Number(process.env.BENCH_WARMUP_SECONDS ?? 30);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 300);
const GOAL = { rssMB: 60, cpuPercent: 0.5 };
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const VIGIL = join(ROOT, 'dist/cli/vigil.js');
const AGENT = agentLaunch(ROOT);
const ADMIN = 'bench-admin-token-0123456789abcdef';
/** The collector's reads and /metrics need a principal; unauthenticated polls would lock 127.0.0.1 (the agent too) out with 429s. */
const AS_ADMIN = { headers: { authorization: `Bearer ${ADMIN}` } };
const PROFILE = process.env.BENCH_PROFILE ? profileRun(process.env.BENCH_PROFILE, Number(process.env.BENCH_PROFILE_INTERVAL_US ?? 1000)) : undefined;

const log = (msg: string) => process.stderr.write(`[bench:agent] ${msg}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

if (process.env.BENCH_SKIP_BUILD !== '1') buildForBench(ROOT, AGENT, log);

const dir = tempDir();
const children: Child[] = [];
const samplers: ProcSampler[] = [];
let targets: Targets | undefined;
let scraper: NodeJS.Timeout | undefined;
const start = (cmd: string, args: string[], env?: Record<string, string>) => {
  const c = startChild(cmd, args, dir.path, env);
  children.push(c);
  return c;
};
const cleanup = async () => {
  clearInterval(scraper);
  samplers.forEach((s) => s.stop());
  await Promise.all(children.reverse().map((c) => c.stop()));
  await targets?.close();
  dir.remove();
};
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => void cleanup().finally(() => process.exit(130)));

async function ingestedSamples(base: string): Promise<number> {
  const text = await (await fetch(`${base}/metrics`, AS_ADMIN)).text();
  return Number(/^vigil_ingest_samples_total (\S+)$/m.exec(text)?.[1] ?? NaN);
}

async function run(): Promise<Record<string, unknown>> {
  const [cPort, nePort] = [await freePort(), await freePort()];
  const base = `http://127.0.0.1:${cPort}`;
  writeFileSync(
    join(dir.path, 'collector.yaml'),
    stringify({ listen: { host: '127.0.0.1', port: cPort }, dataDir: './data', adminToken: ADMIN, log: { level: 'warn' } }),
  );
  const collector = start('node', [VIGIL, 'collector', 'run', '-c', join(dir.path, 'collector.yaml')]);
  await waitFor(async () => (await fetch(`${base}/healthz`)).ok || undefined, 'collector', 20_000).catch((e) => {
    throw new Error(`${(e as Error).message}\n${collector.output()}`);
  });

  const tokenRes = await fetch(`${base}/api/v1/admin/enrollment-tokens`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ clientId: 'bench', siteId: 'lab', maxUses: 1 }),
  });
  const { token } = (await tokenRes.json()) as { token: string };
  const enroll = start('node', [
    VIGIL,
    'agent',
    'enroll',
    '--collector',
    base,
    '--token',
    token,
    '--state-dir',
    join(dir.path, 'agent'),
    '--name',
    'bench-agent',
  ]);
  await new Promise((r) => enroll.proc.once('exit', r));
  if (enroll.proc.exitCode !== 0) throw new Error(`enroll failed: ${enroll.output()}`);

  const { defaultRegistry } = (await import(pathToFileURL(join(ROOT, 'dist/agent/src/probes/registry.js')).href)) as {
    defaultRegistry(): ReadonlyMap<string, unknown>;
  };
  const types = new Set(defaultRegistry().keys());
  const skipped = unsupportedTypes(types);
  if (skipped.length > 0) log(`probe types without a loopback target in this bench (not in the mix): ${skipped.join(', ')}`);
  targets = await startTargets(dir.path, VIGIL, { dns: types.has('dns'), sip: types.has('sip') });
  const { checks, byKind } = buildChecks(CHECKS, types, targets, INTERVAL_S);
  log(`mix: ${JSON.stringify(byKind)}`);
  writeFileSync(
    join(dir.path, 'agent.yaml'),
    stringify({
      collector: { url: base },
      stateDir: './agent',
      labels: { client: 'bench', site: 'lab' },
      host: { enabled: true },
      checks,
    }),
  );

  // A/B and profiling knobs, agent only: BENCH_AGENT=sea|node, BENCH_AGENT_LAUNCHER (another build's bin/vigil-agent),
  // BENCH_AGENT_NODE_ARGS (extra node flags after the launcher's; a later flag wins), BENCH_PROFILE=DIR
  // (--cpu-prof into DIR, sampling every BENCH_PROFILE_INTERVAL_US, default 1000)
  if (PROFILE) mkdirSync(process.env.BENCH_PROFILE!, { recursive: true });
  const nodeFlags = [process.env.BENCH_AGENT_NODE_ARGS, PROFILE?.flags].filter(Boolean).join(' ');
  const agent = startAgentChild(AGENT, ['run', '-c', join(dir.path, 'agent.yaml')], nodeFlags, start);
  const nodeExporter = start('prometheus-node-exporter', [`--web.listen-address=127.0.0.1:${nePort}`]);
  const scrape = () =>
    fetch(`http://127.0.0.1:${nePort}/metrics`)
      .then((r) => r.text())
      .then(
        (t) => t.length,
        () => 0,
      );
  await waitFor(async () => (await scrape()) > 0 || undefined, 'node_exporter', 15_000).catch((e) => {
    throw new Error(`${(e as Error).message}\n${nodeExporter.output()}`);
  });
  let scrapes = 0;
  scraper = setInterval(() => void scrape().then((n) => n > 0 && scrapes++), INTERVAL_S * 1000);

  const checkStates = async () =>
    ((await (await fetch(`${base}/api/v1/checks?client=bench`, AS_ADMIN)).json()) as { checks: Array<{ check: string; state: string; lastTs: number }> })
      .checks;
  await waitFor(async () => (await checkStates()).length === CHECKS || undefined, `results of all ${CHECKS} checks at the collector`, 30_000).catch((e) => {
    throw new Error(`${(e as Error).message}\nagent: ${agent.output()}`);
  });
  log(`agent pid ${agent.proc.pid}, node_exporter pid ${nodeExporter.proc.pid}; warm-up ${WARMUP_S} s`);
  await sleep(WARMUP_S * 1000);

  const agentS = new ProcSampler(agent.proc.pid!);
  const neS = new ProcSampler(nodeExporter.proc.pid!);
  samplers.push(agentS, neS);
  const samplesBefore = await ingestedSamples(base);
  const requestsBefore = targets.requests();
  const dnsBefore = targets.dnsQueries();
  agentS.begin();
  neS.begin();
  const windowFromUs = monotonicUs();
  for (let s = 0; s < SECONDS; s += 30) {
    await sleep(Math.min(30, SECONDS - s) * 1000);
    if (agent.proc.exitCode !== null) throw new Error(`agent exited: ${agent.output()}`);
    log(`${Math.min(SECONDS, s + 30)}/${SECONDS} s`);
  }
  const a: Footprint = agentS.end();
  const n: Footprint = neS.end();
  const windowToUs = monotonicUs();
  // the machine is shared: what else ran moves the agent's figure (and node_exporter's) by ± 0.05 point or more
  const loadAverage = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).map(Number);
  await sleep(3000); // one more flush interval, so the window's last results are in
  const samplesAfter = await ingestedSamples(base);
  const states = await checkStates();
  const up = states.filter((c) => c.state === 'up').length;
  const notUp = states.filter((c) => c.state !== 'up' || Date.now() - c.lastTs > 3 * INTERVAL_S * 1000).map((c) => `${c.check}:${c.state}`);
  const stale = states.filter((c) => Date.now() - c.lastTs > 3 * INTERVAL_S * 1000).length;
  const samplesInWindow = samplesAfter - samplesBefore;
  const checkResultsExpected = Math.floor((CHECKS * a.seconds) / INTERVAL_S);
  const working = up === CHECKS && stale === 0 && samplesInWindow >= 0.95 * checkResultsExpected;
  if (!working)
    log(
      `agent not fully working: ${up}/${CHECKS} up, ${stale} stale, ${samplesInWindow} samples for ${checkResultsExpected} expected results\n${agent.output().slice(-4000)}`,
    );
  let profile: ProfileSummary | undefined;
  if (PROFILE) {
    await agent.stop(); // SIGTERM and its clean exit, which writes the profile (a SIGKILL after 5 s would not)
    if (existsSync(PROFILE.file)) log(profileTable((profile = summarizeProfile(PROFILE.file, windowFromUs, windowToUs))));
    else log(`no profile at ${PROFILE.file} (agent exit ${agent.proc.exitCode ?? agent.proc.signalCode}):\n${agent.output().slice(-2000)}`);
  }
  return {
    bench: 'agent',
    checks: CHECKS,
    intervalSeconds: INTERVAL_S,
    seconds: a.seconds,
    warmupSeconds: WARMUP_S,
    mix: byKind,
    hostMetrics: true,
    agentRssMeanMB: a.rssMeanMB,
    agentRssMaxMB: a.rssMaxMB,
    agentRssPeakMB: a.rssPeakMB,
    agentCpuPercent: a.cpuPercent,
    nodeExporterRssMeanMB: n.rssMeanMB,
    nodeExporterRssMaxMB: n.rssMaxMB,
    nodeExporterCpuPercent: n.cpuPercent,
    nodeExporterScrapes: scrapes,
    rssRatio: round(a.rssMeanMB / n.rssMeanMB, 2),
    cpuRatio: n.cpuPercent > 0 ? round(a.cpuPercent / n.cpuPercent, 2) : null,
    loadAverage,
    goal: GOAL,
    // a profiled run's CPU includes the profiler's: not a figure against the goal
    met: working && !PROFILE && a.rssMaxMB <= GOAL.rssMB && a.cpuPercent <= GOAL.cpuPercent,
    working,
    samplesDelivered: samplesAfter,
    samplesInWindow,
    checkResultsExpected,
    checksUp: up,
    checksNotUpOrStale: notUp,
    targetHttpRequests: targets.requests() - requestsBefore,
    targetDnsQueries: targets.dnsQueries() - dnsBefore,
    agent: AGENT.kind,
    agentCommand: `${AGENT.command} run`,
    ...(nodeFlags ? { agentExtraNodeFlags: nodeFlags } : {}),
    ...(PROFILE ? { profile: profile ? { ...profile, top: profile.top.slice(0, 8), byFile: profile.byFile.slice(0, 5) } : 'not written' } : {}),
  };
}

await runBench(run, cleanup, log);
