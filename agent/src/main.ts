import { release } from 'node:os';
import { systemClock, type Clock } from '../../shared/clock.js';
import { ErrorCodes, type ErrorKey, isVigilError, type Problem, VigilError } from '../../shared/errors.js';
import type { Logger } from '../../shared/logger.js';
import type { CheckResultSample } from '../../shared/protocol/v1/batch.js';
import type { CheckDescriptor } from '../../shared/protocol/v1/heartbeat.js';
import { VERSION } from '../../shared/version.js';
import type { AgentConfig, CheckConfig } from './config.js';
import { Flusher } from './flusher.js';
import { HostMetrics } from './host/host-metrics.js';
import { HeapTrimmer } from './memory-trim.js';
import type { ProbeRegistry } from './probes/registry.js';
import { ProbeRuntime } from './probes/runtime.js';
import { diffSummary } from './remote-config-diff.js';
import { ConfigFetcher } from './remote-config-fetch.js';
import { localConfigReport, offeredVersion, RemoteConfig } from './remote-config.js';
import { Scheduler } from './scheduler.js';
import { openSpool } from './open-spool.js';
import { readState } from './state.js';
import { Transport } from './transport.js';

/** Heap trims at most this often (the common check interval: once per round). */
const TRIM_GAP_MS = 10_000;

export interface AgentHandle {
  stop(): Promise<void>;
}

/** What a check list needs before it runs (raw sockets for ICMP …): every probe type's preflight, its problems. */
async function preflight(checks: readonly CheckConfig[], registry: ProbeRegistry): Promise<Problem[]> {
  const problems: Problem[] = [];
  for (const [type, probe] of registry) {
    const opts = checks.filter((c) => c.type === type).map((c) => c.options);
    if (opts.length === 0 || !probe.preflight) continue;
    try {
      await probe.preflight(opts as never);
    } catch (e) {
      // the code rides along in the message: startAgent's error takes it when every problem has the same one
      problems.push({ path: `checks[type=${type}]`, message: isVigilError(e) ? `${e.code}: ${e.message}` : (e as Error).message });
    }
  }
  return problems;
}

/** A preflight failure's code: the one every problem names (a raw-socket addon that cannot load: NATIVE_UNAVAILABLE), else PERMISSION. */
function preflightCode(problems: readonly Problem[]): ErrorKey {
  const codes = new Set(problems.map((p) => /^VIGIL_ERR_([A-Z_]+):/.exec(p.message)?.[1]));
  const [only] = codes;
  return codes.size === 1 && only !== undefined && only in ErrorCodes ? (only as ErrorKey) : 'PERMISSION';
}

/** The heartbeat's check catalogue: built when the check list changes, not on every beat. */
const catalogueOf = (checks: readonly CheckConfig[], registry: ProbeRegistry): CheckDescriptor[] =>
  checks.map((c) => ({
    id: c.id,
    type: c.type,
    intervalSeconds: c.intervalMs / 1000,
    timeoutSeconds: c.timeoutMs / 1000,
    labels: c.labels,
    target: registry
      .get(c.type)!
      .describe(c.options as never)
      .slice(0, 512),
  }));

/**
 * Preflights every probe, then runs scheduler, host sampling, sending and heartbeats. Wiring only.
 * With `collector.config: central` the checks come from the collector and change while it runs
 * (remote-config.ts); a local agent.yaml's checks are preflighted here and a failure stops the start.
 */
export async function startAgent(config: AgentConfig, registry: ProbeRegistry, logger: Logger, clock: Clock = systemClock): Promise<AgentHandle> {
  const central = config.configSource === 'central';
  const problems = central ? [] : await preflight(config.checks, registry);
  if (problems.length > 0) throw new VigilError(preflightCode(problems), 'the agent cannot run some checks', problems);
  const state = readState(config.stateDir);
  if (config.collectorUrl !== state.collectorUrl) state.collectorUrl = config.collectorUrl;
  const spool = openSpool(config, state, clock, logger);
  const transport = new Transport(state, spool, clock, logger, {
    batchMaxSamples: config.batchMaxSamples,
    replayRate: config.spool.replayRate,
    stateDir: config.stateDir,
  });
  // what the probes keep between runs (sockets, clients, pacer timers), closed by stop()
  const runtime = new ProbeRuntime();
  const native = runtime.native;
  const trimmer = new HeapTrimmer(config.memoryTrim ? native?.mallocTrim : undefined, clock, TRIM_GAP_MS);
  if (!native)
    logger.info(
      'vigil-agent-native is not built (npm ci builds it with a C compiler): running without heap trimming, VoIP streams in JavaScript (docs/agent-footprint.md)',
    );
  // after a flush that leaves the agent idle, a round is over and its garbage freed
  const flusher = new Flusher(transport, clock, config.flushIntervalMs, () => scheduler.idle && trimmer.idle());
  let stopping = false;
  const fetcher = new ConfigFetcher(state.collectorUrl);
  const remote = central
    ? new RemoteConfig({
        base: config,
        registry,
        logger,
        fetch: (running) => fetcher.fetch(state.agentToken, running),
        preflight: (checks) => preflight(checks, registry),
        apply: (checks) => {
          if (stopping) return;
          const d = scheduler.update(checks);
          const ids = new Set(checks.map((c) => c.id));
          for (const id of lastStatus.keys()) if (!ids.has(id)) lastStatus.delete(id);
          catalogue = catalogueOf(scheduler.checks, registry);
          logger.info(diffSummary(d), 'checks updated without a restart');
        },
        changed: () => void (stopping || beatLogged()),
      })
    : undefined;
  // One delivery per round: a paced check (ICMP, VoIP: half a slot after the burst) that is up again rides with
  // the next burst's delivery, at most a slot later; a first result, a failure or a change goes at once
  const lastStatus = new Map<string, string>();
  const steadyPaced = (r: CheckResultSample): boolean => {
    const before = lastStatus.get(r.checkId);
    lastStatus.set(r.checkId, r.status);
    return config.scheduleSlotMs > 0 && r.status === 'up' && before === 'up' && registry.get(r.type)?.paced === true;
  };
  const initial = remote ? await remote.load() : config.checks;
  let catalogue = catalogueOf(initial, registry);
  const scheduler = new Scheduler(
    initial,
    registry,
    runtime,
    clock,
    logger,
    (r, idle, urgent) => {
      transport.add(r);
      if (steadyPaced(r) && !urgent) flusher.hold(config.scheduleSlotMs);
      else flusher.request(idle, urgent);
    },
    config.scheduleSlotMs,
  );
  const host = new HostMetrics(clock, config.host.links);
  const started = clock.now();
  const localReport = remote ? undefined : localConfigReport(config.checks);
  const os = `${process.platform} ${release()} ${process.arch}`.slice(0, 128);
  const beat = async () => {
    const s = spool.stats();
    const ok = await transport.heartbeat({
      agentId: state.agentId,
      sentAt: clock.now(),
      agentVersion: VERSION,
      uptimeSeconds: (clock.now() - started) / 1000,
      queuedBatches: s.batches,
      intervalSeconds: config.heartbeatIntervalMs / 1000,
      checks: catalogue,
      spool: {
        batches: s.batches,
        bytes: s.bytes,
        oldestAgeSeconds: s.oldestAgeSeconds,
        droppedBatches: s.droppedBatches,
        droppedSamples: s.droppedSamples,
        corruptRecords: s.corruptRecords,
        tornRecords: s.tornRecords,
        memoryBatches: s.memoryBatches,
        resentBatches: transport.resentBatches,
      },
      config: remote?.report() ?? localReport,
      os,
    });
    if (!ok) logger.warn({ queuedBatches: s.batches }, 'heartbeat not delivered');
    // the answer names the version of the central configuration the collector holds for this agent
    else void remote?.offered(offeredVersion(transport.heartbeatAck));
  };
  const timers: NodeJS.Timeout[] = [];
  // the checks start at once: a collector that accepts and never answers must not hold the first results
  // back for the request deadline (they are spooled either way; batches built before the collector's
  // limits are known are split to them when sent)
  scheduler.start();
  const beatLogged = () => beat().catch((err) => logger.warn({ err }, 'heartbeat failed'));
  void beatLogged();
  timers.push(setInterval(() => void beatLogged(), config.heartbeatIntervalMs));
  if (config.host.enabled) {
    const sampleHost = () =>
      host.sample().then(
        (ms) => {
          ms.forEach((m) => transport.add(m));
          // capacity figures can wait for the next round's delivery (at most a slot) instead of a request of their own
          if (config.scheduleSlotMs > 0) flusher.hold(config.scheduleSlotMs);
          else flusher.request(scheduler.idle);
        },
        (err) => logger.warn({ err }, 'host metrics failed'),
      );
    void sampleHost();
    timers.push(setInterval(() => void sampleHost(), config.host.intervalMs));
  }
  logger.info({ agentId: state.agentId, collector: state.collectorUrl, checks: initial.length, config: config.configSource }, 'agent started');
  return {
    async stop() {
      stopping = true;
      timers.forEach(clearInterval);
      flusher.close();
      scheduler.close();
      await runtime.close();
      await transport.close();
      spool.close();
    },
  };
}
