import { systemClock, type Clock } from '../../shared/clock.js';
import { VigilError, type Problem } from '../../shared/errors.js';
import type { Logger } from '../../shared/logger.js';
import { VERSION } from '../../shared/version.js';
import type { AgentConfig } from './config.js';
import { Flusher } from './flusher.js';
import { HostMetrics } from './host/host-metrics.js';
import { HeapTrimmer } from './memory-trim.js';
import type { ProbeRegistry } from './probes/registry.js';
import { ProbeRuntime } from './probes/runtime.js';
import { Scheduler } from './scheduler.js';
import { openSpool } from './spool/open-spool.js';
import { readState } from './state.js';
import { Transport } from './transport.js';

/** Heap trims at most this often (the common check interval: once per round). */
const TRIM_GAP_MS = 10_000;

export interface AgentHandle {
  stop(): Promise<void>;
}

/** Preflights every probe, then runs scheduler, host sampling, sending and heartbeats. Wiring only. */
export async function startAgent(config: AgentConfig, registry: ProbeRegistry, logger: Logger, clock: Clock = systemClock): Promise<AgentHandle> {
  const problems: Problem[] = [];
  for (const [type, probe] of registry) {
    const opts = config.checks.filter((c) => c.type === type).map((c) => c.options);
    if (opts.length === 0 || !probe.preflight) continue;
    try {
      await probe.preflight(opts as never);
    } catch (e) {
      problems.push({ path: `checks[type=${type}]`, message: (e as Error).message });
    }
  }
  if (problems.length > 0) throw new VigilError('PERMISSION', 'the agent cannot run some checks', problems);
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
  const scheduler = new Scheduler(
    config.checks,
    registry,
    runtime,
    clock,
    logger,
    (r, idle, urgent) => {
      transport.add(r);
      flusher.request(idle, urgent);
    },
    config.scheduleSlotMs,
  );
  const host = new HostMetrics(clock, config.host.links);
  const started = clock.now();
  // The catalogue never changes while the agent runs: built once, not on every beat.
  const catalogue = config.checks.map((c) => ({
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
    });
    if (!ok) logger.warn({ queuedBatches: s.batches }, 'heartbeat not delivered');
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
          flusher.request(scheduler.idle);
        },
        (err) => logger.warn({ err }, 'host metrics failed'),
      );
    void sampleHost();
    timers.push(setInterval(() => void sampleHost(), config.host.intervalMs));
  }
  logger.info({ agentId: state.agentId, collector: state.collectorUrl, checks: config.checks.length }, 'agent started');
  return {
    async stop() {
      timers.forEach(clearInterval);
      flusher.close();
      scheduler.close();
      await runtime.close();
      await transport.close();
      spool.close();
    },
  };
}
