/**
 * Crash test (issue 13, item 6; `npm run test:crash`): a real agent (bin/vigil-agent, the bundle)
 * and a real collector (`vigil collector run`, SQLite) under sustained load — 200 TCP checks at
 * 1 s against a loopback listener — the agent kill -9'd at 30 random moments and the collector at
 * 10, with collector outages of random length between; then the books over (agentId, seq) and over
 * every result's timestamp. Needs `npm run build` (dist/).
 *
 * Between the two sits the test's recording proxy (recording-proxy.ts): the agent only ever talks
 * to it, it knows what the collector acknowledged, while the collector is dead it resets the
 * agent's connections, and it cuts one acknowledgement in ten on its way back (the agent resends).
 * The collector comes back on another port behind it (same dataDir, same database); the agent's
 * address — the proxy — never changes (crash-rig.ts).
 *
 * The schedule's delays are random (seeded: VIGIL_CRASH_SEED replays one; the seed is printed),
 * the waits between events are conditions. Nothing asserted depends on a wall-clock window: the
 * agent-down windows the gaps are held against are measured from the agent's own log.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prng } from '../benchmarks/detect-stats.js';
import { waitFor } from '../helpers/net.js';
import { ADMIN } from '../integration/store/collector-process.js';
import { keepBooks, readCursor, readStored, spooledSeqs } from './accounting.js';
import { CrashRig } from './crash-rig.js';
import { agentDownWindows, unexplainedGaps, windowsMs, type Window } from './down-windows.js';

/** 200 checks at 1 s, as the issue asks: it fits this 2-core machine beside another test worker (measured: the agent takes ≈ 12 % of a core). */
const CHECKS = 200;
const INTERVAL_MS = 1000;
const TIMEOUT_MS = 500;
const AGENT_KILLS = 30;
const COLLECTOR_KILLS = 10;
const LOST_ANSWERS = 0.1;
const SEED = Number(process.env.VIGIL_CRASH_SEED ?? Math.floor(Math.random() * 2 ** 31));
if (!Number.isInteger(SEED)) throw new Error(`VIGIL_CRASH_SEED must be an integer, got ${process.env.VIGIL_CRASH_SEED}`);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)] ?? null;
const between = (rnd: () => number, lo: number, hi: number) => lo + Math.floor(rnd() * (hi - lo));

describe('crash: agent and collector kill -9 under sustained load', () => {
  // one acknowledgement in ten cut on its way back to the agent: the resend of that seq must be stored once
  const loseRnd = prng(SEED + 2);
  const rig = new CrashRig(() => loseRnd() < LOST_ANSWERS);
  const { proxy, runs } = rig;
  const collectorDown: Window[] = [];
  /** Set by afterAll: the schedule's loops start nothing after it. */
  let halted = false;
  let loops: Promise<unknown> | undefined;
  let passed = false;

  beforeAll(async () => {
    console.log(`crash test seed ${SEED} (VIGIL_CRASH_SEED=${SEED} replays the schedule); dir ${rig.dir.path}`);
    await rig.start({ checks: CHECKS, intervalMs: INTERVAL_MS, timeoutMs: TIMEOUT_MS });
  });

  afterAll(async () => {
    halted = true;
    await Promise.race([loops?.catch(() => undefined), sleep(20_000)]);
    await rig.close(!passed);
    if (!passed) console.log(`crash test failed: its files are kept in ${rig.dir.path}`);
  });

  /** 30 kills of the agent: mostly at a random moment after it sealed again, some while it starts (recovering, replaying). */
  const agentSchedule = async (rnd: () => number) => {
    for (let i = 0; i < AGENT_KILLS && !halted; i++) {
      const run = rig.agent;
      if (rnd() < 0.8) {
        await waitFor(() => run.seals.length > 0 || undefined, `agent run ${runs.length} to seal a batch`, 30_000).catch((e: Error) => {
          throw new Error(`${e.message}\n${run.child.output()}`);
        });
        await sleep(between(rnd, 500, 5000));
      } else await sleep(between(rnd, 0, 1500));
      await run.kill();
      await sleep(between(rnd, 100, 1500));
      if (!halted) rig.startAgent();
    }
  };

  /** 10 kills of the collector, each followed by an outage of 1–5 s before it comes back on the same database. */
  const collectorSchedule = async (rnd: () => number) => {
    for (let i = 0; i < COLLECTOR_KILLS && !halted; i++) {
      await sleep(between(rnd, 3000, 10_000));
      await rig.killCollector();
      const from = Date.now();
      await sleep(between(rnd, 1000, 5000));
      if (halted) return;
      await rig.startCollector();
      collectorDown.push({ from, to: Date.now() });
    }
  };

  it('loses nothing acknowledged or sealed, stores nothing twice, and every gap in the results is an agent-down window', { timeout: 360_000 }, async () => {
    const t0 = Date.now();
    rig.startAgent();
    loops = Promise.all([agentSchedule(prng(SEED)), collectorSchedule(prng(SEED + 1))]);
    await loops;
    const final = rig.agent;
    const { agentId } = rig;

    // everything up: the spool drains — every seal acknowledged, every check's results of the last run too, and a
    // heartbeat after that reports the spool empty
    const allSeals = () => runs.flatMap((r) => r.seals);
    const lastRunAcked = () => {
      const checks = new Set<string>();
      for (const a of proxy.acknowledged.values()) for (const [c, ts] of a.results) if (ts > final.spawnedAt) checks.add(c);
      return checks.size === CHECKS;
    };
    let drainedAt = Infinity;
    await waitFor(
      () => {
        if (!lastRunAcked() || !allSeals().every((s) => proxy.acked(agentId, s.seq, true))) return undefined;
        drainedAt = Math.min(drainedAt, Date.now());
        return proxy.heartbeats.some((h) => h.at > drainedAt && h.status === 200 && h.spool?.batches === 0) || undefined;
      },
      'the agent spool to drain',
      120_000,
    ).catch((e: Error) => {
      throw new Error(`${e.message}\nagent: ${final.child.output().slice(-4000)}\ncollector: ${rig.collector.output().slice(-4000)}`);
    });
    await final.child.stop(); // a clean stop: what it seals on the way out is sent or stays spooled
    // with the admin token: a collector may keep /metrics for a metrics or admin token
    const scrape = await fetch(`${rig.collector.base}/metrics`, { headers: { authorization: `Bearer ${ADMIN}` }, signal: AbortSignal.timeout(15_000) });
    const metrics = await scrape.text();
    expect(scrape.status, metrics.slice(0, 500)).toBe(200);
    await rig.collector.stop();
    const seconds = (Date.now() - t0) / 1000;

    const cursor = readCursor(rig.spoolDir);
    const stillSpooled = spooledSeqs(rig.spoolDir, cursor.ackedSeq);
    const stored = readStored(rig.dbFile, agentId, rig.clientId);
    const sealed = allSeals();
    const books = keepBooks(stored, sealed, proxy.acknowledged.values(), stillSpooled);
    const windows = agentDownWindows(runs);
    const gaps = unexplainedGaps(stored.results, windows, { intervalMs: INTERVAL_MS, inFlightMs: TIMEOUT_MS + 500, slackMs: 500 });
    const metric = (name: string) => {
      const line = metrics.split('\n').find((l) => l.startsWith(`${name}{`) && l.includes(`agent="${agentId}"`));
      return line === undefined ? null : Number(line.split(' ').at(-1));
    };
    const lastHeartbeat = proxy.heartbeats.filter((h) => h.status === 200 && h.spool).at(-1)?.spool;
    // every heartbeat's loss counters: the spool's drops (kept across restarts) and the transport's own (since each start)
    const lossCounted = (h: (typeof proxy.heartbeats)[number]) =>
      (h.spool?.droppedBatches ?? 0) + (h.spool?.droppedSamples ?? 0) + Object.values(h.send ?? {}).reduce((n, v) => n + v, 0);
    const problems = runs.flatMap((r) => r.problems);
    const damage = problems.filter((p) => Number(p.damagedRegions ?? 0) + Number(p.repeatedSeqs ?? 0) > 0 || Number(p.level) >= 50);
    const answers = proxy.ingests;
    const figures = {
      seed: SEED,
      seconds: Math.round(seconds),
      checks: CHECKS,
      intervalMs: INTERVAL_MS,
      agentKills: runs.filter((r) => r.killedAt !== undefined).length,
      collectorKills: collectorDown.length,
      agentDownSeconds: Math.round(windowsMs(windows) / 100) / 10,
      collectorDownSeconds: Math.round(windowsMs(collectorDown) / 100) / 10,
      batchesSealed: sealed.length,
      acknowledged: proxy.acknowledged.size,
      batchesStored: stored.batches.size,
      resultsStored: stored.resultRows,
      sendsReset: answers.filter((a) => a.status === 'reset').length,
      answersLost: proxy.answersLost,
      resentAlreadyStored: answers.filter((a) => a.stored === false).length,
      recoveredAtStart: runs.reduce((n, r) => n + r.recovered, 0),
      agentStartToSealMsP50: median(runs.flatMap((r) => (r.seals[0] ? [r.seals[0].at - r.spawnedAt] : []))),
      stillSpooled: stillSpooled.size,
      duplicates: books.duplicateResults + books.sealedTwice.length,
      acknowledgedAndLost: books.ackedLostBatches.length + books.ackedLostResults,
      sealedAndLost: books.sealedLost.length + books.sealedWrongCount.length,
      gapsInDownWindows:
        [...stored.results.values()].reduce((n, ts) => n + ts.filter((t, i) => i > 0 && t - ts[i - 1]! > 1.5 * INTERVAL_MS).length, 0) - gaps.length,
      unexplainedGaps: gaps.length,
      refusedSamples: answers.reduce((n, a) => n + a.refused, 0),
      refusedBatches: answers.filter((a) => a.status === 400 || a.status === 413).length,
      tornTails: problems.reduce((n, p) => n + Number(p.tornTails ?? 0), 0),
      dropped: {
        cursor: cursor.droppedBatches + cursor.droppedSamples,
        heartbeats: proxy.heartbeats.reduce((n, h) => n + lossCounted(h), 0),
        metrics: [
          'vigil_agent_spool_dropped_batches_total',
          'vigil_agent_spool_dropped_samples_total',
          'vigil_agent_send_refused_samples_total',
          'vigil_agent_send_too_large_samples_total',
          'vigil_agent_send_rejected_samples_total',
        ].reduce((n, name) => n + (metric(name) ?? 0), 0),
        db: (stored.agentSpool.droppedBatches ?? 0) + (stored.agentSpool.droppedSamples ?? 0),
      },
    };
    console.log(JSON.stringify({ crash: figures }));

    // the schedule ran, and the agent worked through it: every check stored, each after the last restart
    expect(figures.agentKills).toBe(AGENT_KILLS);
    expect(figures.collectorKills).toBe(COLLECTOR_KILLS);
    expect(stored.results.size).toBe(CHECKS);
    for (const [check, ts] of stored.results) expect(ts.at(-1)!, `${check} reported after the last restart`).toBeGreaterThan(final.spawnedAt);
    // the books
    expect(books.ackedLostBatches, 'acknowledged (agentId, seq) missing from the database').toEqual([]);
    expect(books.ackedLostResults, 'acknowledged results missing from the database').toBe(0);
    expect(books.sealedLost, 'sealed seqs neither stored nor still spooled').toEqual([]);
    expect(books.sealedWrongCount, 'sealed seqs stored with another number of samples').toEqual([]);
    expect(books.sealedTwice, 'seqs sealed twice (reused after a restart)').toEqual([]);
    expect(books.duplicateResults, 'results stored twice').toBe(0);
    expect(gaps.slice(0, 10), `gaps no agent-down window explains (of ${gaps.length}); windows ${JSON.stringify(windows)}`).toEqual([]);
    // sized so that nothing may be dropped: every counter reads 0 (the spool's own cursor, every heartbeat, /metrics, the agents row)
    expect(figures.dropped).toEqual({ cursor: 0, heartbeats: 0, metrics: 0, db: 0 });
    expect(lastHeartbeat, 'heartbeats carried the spool figures').toBeDefined();
    expect(metric('vigil_agent_spool_dropped_batches_total'), 'the drop counter is on /metrics').not.toBeNull();
    expect([figures.refusedSamples, figures.refusedBatches]).toEqual([0, 0]);
    expect(damage, 'spool damage or errors logged by the agent').toEqual([]);
    // and the other way round: every stored result was acknowledged, every one in a stored batch
    expect(stored.resultRows).toBe(new Set([...proxy.acknowledged.values()].flatMap((a) => a.results.map(([c, ts]) => `${c}@${ts}`))).size);
    expect(stored.resultRows).toBe([...stored.batches.values()].reduce((n, s) => n + s, 0));
    passed = true;
  });
});
