/**
 * bench:detect — time to detect and time to notify at a 10 s check interval.
 *
 * N loopback HTTP targets; each is stopped once (listening socket and connections closed)
 * at a random moment of its own 12 s slot (seeded PRNG, so the stop is uniformly random
 * against both systems' 10 s cycles), kept down 60–90 s, then started again. Watching them:
 *  - Vigil: a real collector and an enrolled agent (built CLI, separate processes), one http
 *    check per target every 10 s, one SLA service per target, a webhook to this bench;
 *  - the reference: Debian's prometheus (scrape and evaluation every 10 s) + blackbox
 *    exporter (http_2xx) + alertmanager (group_wait 0s), alert `probe_success == 0` for 10s.
 * Confirmation is matched: Vigil's default state.confirmDown = 2 (DOWN after 2 consecutive
 * failed results, 10 s apart) against `for: 10s` (the alert fires at the first evaluation
 * >= 10 s after the first failed probe was seen, i.e. on the second).
 * Detect = Vigil incident detectedAt / the alert's startsAt (Prometheus' firing time) − stop;
 * notify = first "down" webhook at the bench − stop. Progress on stderr, one JSON line on stdout.
 *
 * BENCH_OUTAGES (default 20; one target per outage), BENCH_SEED (default: random, printed).
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { tempDir, VIGIL, waitFor, type Child } from '../helpers/net.js';
import { startReference } from './detect-reference.js';
import { HookReceiver } from './detect-receiver.js';
import { figures, prng, ratios, type OutageTimes } from './detect-stats.js';
import { startTargets, type Target } from './detect-targets.js';
import { startVigil } from './detect-vigil.js';

const INTERVAL_S = 10;
const FOR_S = 10;
const SLOT_S = 12;
const DOWN_MIN_S = 60;
const DOWN_MAX_S = 90;
const GOAL_NOTIFY_P95_S = 30;
const OUTAGES = Number(process.env.BENCH_OUTAGES ?? 20);
const SEED = Number(process.env.BENCH_SEED ?? Math.floor(Math.random() * 2 ** 31));
if (!Number.isInteger(OUTAGES) || OUTAGES < 1 || OUTAGES > 100) throw new Error(`BENCH_OUTAGES must be an integer 1..100, got ${process.env.BENCH_OUTAGES}`);
if (!Number.isInteger(SEED)) throw new Error(`BENCH_SEED must be an integer, got ${process.env.BENCH_SEED}`);

const began = Date.now();
const log = (msg: string) => process.stderr.write(`[${((Date.now() - began) / 1000).toFixed(1).padStart(6)} s] ${msg}\n`);
const sleepUntil = (t: number) => new Promise((r) => setTimeout(r, Math.max(0, t - Date.now())));

interface Outage {
  target: Target;
  stopAfterMs: number;
  downMs: number;
  stoppedAt?: number;
  restoredAt?: number;
}

function warnIfStaleBuild(): void {
  if (!existsSync(VIGIL)) throw new Error(`${VIGIL} is missing: run \`npm run build\` first`);
  const built = statSync(VIGIL).mtimeMs;
  for (const top of ['agent/src', 'collector/src', 'shared']) {
    for (const f of readdirSync(top, { recursive: true }) as string[]) {
      if (f.endsWith('.ts') && statSync(join(top, f)).mtimeMs > built) {
        log(`warning: ${join(top, f)} is newer than dist/: run \`npm run build\` to bench the current code`);
        return;
      }
    }
  }
}

async function main(): Promise<void> {
  warnIfStaleBuild();
  const dir = tempDir();
  const children: Child[] = [];
  const receiver = new HookReceiver();
  let targets: Target[] = [];
  let cleaned = false;
  const cleanup = async () => {
    if (cleaned) return;
    cleaned = true;
    for (const c of [...children].reverse()) await c.stop();
    await Promise.all(targets.map((t) => t.stop()));
    await receiver.stop();
    dir.remove();
  };
  const onSignal = (sig: NodeJS.Signals) => {
    log(`${sig}: stopping every child process`);
    void cleanup().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal).once('SIGTERM', onSignal);
  // Last resort (e.g. an exception escaping cleanup): no child outlives the bench.
  process.once('exit', () => {
    for (const c of children) if (c.proc.exitCode === null && c.proc.signalCode === null) c.proc.kill('SIGKILL');
  });

  try {
    await receiver.start();
    targets = await startTargets(OUTAGES);
    log(`seed ${SEED}; ${OUTAGES} targets on 127.0.0.1; starting Vigil (collector + agent) and the reference (prometheus + blackbox + alertmanager)`);
    const [vigil, ref] = await Promise.all([
      startVigil(join(dir.path, 'vigil'), targets, receiver.url, INTERVAL_S, children),
      startReference(join(dir.path, 'ref'), targets, receiver.url, INTERVAL_S, FOR_S, children),
    ]);
    log(`ready: Vigil ${vigil.base} (notifications.${vigil.notificationConfig}), Prometheus ${ref.promUrl}; every target seen up by both`);

    const rnd = prng(SEED);
    const outages: Outage[] = targets.map((target, i) => ({
      target,
      stopAfterMs: Math.round((i * SLOT_S + rnd() * SLOT_S) * 1000),
      downMs: Math.round((DOWN_MIN_S + rnd() * (DOWN_MAX_S - DOWN_MIN_S)) * 1000),
    }));
    const byName = new Map(outages.map((o) => [o.target.name, o]));
    receiver.onReceipt = (kind, r) => {
      const o = byName.get(r.target);
      if (o?.stoppedAt !== undefined)
        log(`${r.target} ${kind === 'vigil' ? 'Vigil    ' : 'reference'} notified +${((r.at - o.stoppedAt) / 1000).toFixed(1)} s`);
    };
    const t0 = Date.now();
    await Promise.all(
      outages.map(async (o) => {
        await sleepUntil(t0 + o.stopAfterMs);
        o.stoppedAt = Date.now();
        await o.target.stop();
        log(`${o.target.name} stopped for ${(o.downMs / 1000).toFixed(0)} s`);
        await sleepUntil(o.stoppedAt + o.downMs);
        o.restoredAt = Date.now();
        await o.target.start();
        log(`${o.target.name} back up`);
      }),
    );
    const all = (list: typeof receiver.vigil) => outages.every((o) => HookReceiver.first(list, o.target.name, o.stoppedAt!));
    await waitFor(() => (all(receiver.vigil) && all(receiver.reference)) || undefined, 'late notifications', 15_000).catch(() =>
      log('some notifications never arrived'),
    );

    const incidents = await vigil.incidents();
    const vigilTimes: OutageTimes[] = [];
    const refTimes: OutageTimes[] = [];
    const rows: string[] = [];
    for (const o of outages) {
      const stop = o.stoppedAt!;
      const s = (t: number | undefined) => (t === undefined ? null : (t - stop) / 1000);
      const inc = incidents.filter((i) => i.service === o.target.name && i.startedAt >= stop - 100).sort((a, b) => a.startedAt - b.startedAt)[0];
      const vHook = HookReceiver.first(receiver.vigil, o.target.name, stop);
      const rHook = HookReceiver.first(receiver.reference, o.target.name, stop);
      vigilTimes.push({ detect: s(inc?.detectedAt), notify: s(vHook?.at) });
      refTimes.push({ detect: s(rHook?.startsAt), notify: s(rHook?.at) });
      const f = (v: number | null) => (v === null ? '   —' : v.toFixed(1).padStart(5));
      rows.push(
        `${o.target.name}  down ${(o.downMs / 1000).toFixed(0)} s  Vigil detect ${f(vigilTimes.at(-1)!.detect)} notify ${f(vigilTimes.at(-1)!.notify)}  reference detect ${f(refTimes.at(-1)!.detect)} notify ${f(refTimes.at(-1)!.notify)}`,
      );
    }
    process.stderr.write(`${rows.join('\n')}\n`);

    const v = figures(vigilTimes);
    const r = figures(refTimes);
    console.log(
      JSON.stringify({
        bench: 'detect',
        intervalSeconds: INTERVAL_S,
        outages: OUTAGES,
        seed: SEED,
        downSeconds: [DOWN_MIN_S, DOWN_MAX_S],
        confirmation: `Vigil state.confirmDown=2 (default: DOWN after 2 consecutive failed results); reference: probe_success == 0 for: ${FOR_S}s (fires on the evaluation >= ${FOR_S} s after the first failed probe)`,
        vigil: { ...v, notificationConfig: vigil.notificationConfig },
        reference: r,
        ratio: ratios(v, r),
        goal: { notifyP95Seconds: GOAL_NOTIFY_P95_S },
        met: v.missedNotify === 0 && v.notifyP95 !== null && v.notifyP95 <= GOAL_NOTIFY_P95_S,
        totalSeconds: Math.round((Date.now() - began) / 1000),
        // Other work on the machine shifts both systems' timings; recorded, not corrected for.
        loadAverage1m: Math.round(loadavg()[0]! * 100) / 100,
      }),
    );
  } finally {
    await cleanup();
  }
}

main().catch((e: unknown) => {
  log(`failed: ${(e as Error).stack ?? String(e)}`);
  process.exitCode = 1;
});
