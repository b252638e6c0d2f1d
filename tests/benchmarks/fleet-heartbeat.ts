/**
 * bench:fleet — what central configuration costs on the collector's heartbeat path. Two collectors
 * in one run, the same agents and heartbeats through app.inject: the reference without
 * fleet.configDir, and one with a config dir (a template of 50 checks per client, a layer per
 * site); its heartbeats carry the configuration report and the OS, its answers the version. Also:
 * store writes of the agents' reports per heartbeat (only on change), and how long resolving every
 * agent's document takes after a change (spread over the next heartbeats in production).
 * Progress on stderr, one JSON line on stdout.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { systemClock } from '../../shared/clock.js';
import { silentLogger } from '../../shared/logger.js';
import { buildApp } from '../../collector/src/app.js';
import { FleetConfig } from '../../collector/src/fleet/fleet-config.js';
import { parseCollectorConfig } from '../../collector/src/config.js';
import { openStore } from '../../collector/src/store/open-store.js';
import { tempDir } from '../helpers/net.js';

const ADMIN = 'bench-admin-token-0123456789';
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 20);
const SITES = Number(process.env.BENCH_SITES ?? 25); // per client: 500 agents by default
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const log = (s: string) => process.stderr.write(`${s}\n`);
/** The agents' start: their uptime grows with the clock, as a running agent's does. */
const started = Date.now();

async function collector(fleetDir: string | undefined) {
  const dir = tempDir();
  const config = parseCollectorConfig(
    { dataDir: dir.path, adminToken: ADMIN, log: { level: 'silent' }, ...(fleetDir ? { fleet: { configDir: fleetDir, reloadInterval: 0 } } : {}) },
    'bench',
  );
  const store = await openStore(config.store);
  let writes = 0;
  const record = store.agents.recordRuntime.bind(store.agents);
  store.agents.recordRuntime = (id, r) => (writes++, record(id, r));
  const built = await buildApp({ config, store, clock: systemClock, logger: silentLogger() });
  const inject = built.app.inject.bind(built.app);
  const agents: Array<{ id: string; token: string }> = [];
  for (let c = 0; c < CLIENTS; c++)
    for (let s = 0; s < SITES; s++) {
      const t = (
        await inject({
          method: 'POST',
          url: '/api/v1/admin/enrollment-tokens',
          headers: { authorization: `Bearer ${ADMIN}` },
          payload: { clientId: `c${c}`, siteId: `s${s}` },
        })
      ).json();
      const a = (await inject({ method: 'POST', url: '/api/v1/enroll', payload: { token: t.token, hostname: 'h', agentVersion: 'b' } })).json();
      agents.push({ id: a.agentId, token: a.agentToken });
    }
  return {
    built,
    agents,
    writes: () => writes,
    async close() {
      await built.incidents.outbox.stop();
      await built.app.close();
      await built.engine.idle();
      await store.close();
      dir.remove();
    },
  };
}

/** ROUNDS heartbeats of every agent, 16 in flight: CPU µs (process.cpuUsage, user + system) per heartbeat. */
async function beat(c: Awaited<ReturnType<typeof collector>>, withReport: boolean, version: (i: number) => string | undefined): Promise<number> {
  const cpu0 = process.cpuUsage();
  let next = 0;
  const total = ROUNDS * c.agents.length;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      for (let n = next++; n < total; n = next++) {
        const i = n % c.agents.length;
        const a = c.agents[i]!;
        const v = version(i);
        const res = await c.built.app.inject({
          method: 'POST',
          url: '/api/v1/heartbeat',
          headers: { authorization: `Bearer ${a.token}` },
          payload: {
            agentId: a.id,
            sentAt: Date.now(),
            agentVersion: 'b',
            uptimeSeconds: (Date.now() - started) / 1000 + 100,
            queuedBatches: 0,
            intervalSeconds: 15,
            checks: [],
            ...(withReport ? { os: 'linux 6.1.0 x64', config: { source: 'central', state: 'applied', ...(v ? { version: v } : {}) } } : {}),
          },
        });
        if (res.statusCode !== 200) throw new Error(`heartbeat ${res.statusCode} ${res.body}`);
      }
    }),
  );
  const cpu = process.cpuUsage(cpu0);
  return (cpu.user + cpu.system) / total;
}

const fleet = tempDir();
mkdirSync(join(fleet.path, 'clients'));
for (let c = 0; c < CLIENTS; c++) {
  const checks = Array.from({ length: 50 }, (_, k) => ({
    id: `chk-${k}-{site}`,
    type: 'http',
    url: `https://svc-${k}.c${c}.example/health`,
    labels: { service: `svc-${k % 5}` },
  }));
  writeFileSync(join(fleet.path, 'clients', `c${c}.yaml`), stringify({ defaults: { interval: '30s' }, checks }));
  mkdirSync(join(fleet.path, 'sites', `c${c}`), { recursive: true });
  for (let s = 0; s < SITES; s++)
    writeFileSync(join(fleet.path, 'sites', `c${c}`, `s${s}.yaml`), stringify({ checks: [{ id: `gw-s${s}`, type: 'icmp', host: '10.0.0.1' }] }));
}
log(`bench:fleet: ${CLIENTS * SITES} agents, ${ROUNDS} heartbeats each, template of 50 checks per client + 1 per site`);
const ref = await collector(undefined);
log('reference collector (no fleet.configDir) ready');
const withFleet = await collector(fleet.path);
log('collector with fleet.configDir ready');
const versions = new Map<number, string>();
// warm-up round on each (JIT, caches; the fleet one resolves every agent's document once here)
await beat(ref, false, () => undefined);
const tResolve = performance.now();
await beat(withFleet, true, () => undefined);
const firstRoundMs = performance.now() - tResolve;
for (const [i, a] of withFleet.agents.entries()) {
  const r = await withFleet.built.app.inject({ url: `/api/v1/fleet/agents/${a.id}/config`, headers: { authorization: `Bearer ${ADMIN}` } });
  versions.set(i, r.json().version);
}
await beat(withFleet, true, (i) => versions.get(i)); // each agent reports running its version: one write each, here
const writesBefore = withFleet.writes();
// alternated, so the machine's load falls on both alike; CPU time, not wall time; the median of each
const PASSES = 5;
const refRates: number[] = [];
const fleetRates: number[] = [];
for (let k = 0; k < PASSES; k++) {
  refRates.push(await beat(ref, false, () => undefined));
  fleetRates.push(await beat(withFleet, true, (i) => versions.get(i)));
  log(`pass ${k + 1}: reference ${refRates[k]!.toFixed(0)} µs CPU per heartbeat, with central configuration ${fleetRates[k]!.toFixed(0)}`);
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const refRate = median(refRates);
const fleetRate = median(fleetRates);
const writes = withFleet.writes() - writesBefore;
// after a change every agent's document is resolved again, once, at its next heartbeat: the whole fleet's cost
const fc = new FleetConfig({ configDir: fleet.path, reloadIntervalMs: 0 }, silentLogger());
await fc.start();
const tResolveAll = performance.now();
for (let c = 0; c < CLIENTS; c++) for (let s = 0; s < SITES; s++) fc.resolvedFor({ id: `c${c}.a${s}`, clientId: `c${c}`, siteId: `s${s}` });
const resolveAllMs = performance.now() - tResolveAll;
fc.close();
await ref.close();
await withFleet.close();
fleet.remove();
process.stdout.write(
  `${JSON.stringify({
    bench: 'fleet',
    agents: CLIENTS * SITES,
    heartbeats: PASSES * ROUNDS * CLIENTS * SITES,
    cpuMicrosPerHeartbeat: { withFleet: Math.round(fleetRate), reference: Math.round(refRate) },
    ratio: Number((fleetRate / refRate).toFixed(3)),
    runtimeWritesPerHeartbeat: Number((writes / (PASSES * ROUNDS * CLIENTS * SITES)).toFixed(4)),
    firstRoundWithResolveMs: Math.round(firstRoundMs),
    resolveEveryAgentMs: Math.round(resolveAllMs),
  })}\n`,
);
