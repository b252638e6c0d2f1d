import cron from 'node-cron';
import { systemClock, type Clock } from '../../shared/clock.js';
import { createLogger, type Logger } from '../../shared/logger.js';
import { loadDefinitionsDir } from '../../shared/sla-files/definition-files.js';
import type { SlaDefinition } from '../../shared/sla/types.js';
import { buildApp } from './app.js';
import { loadCollectorConfig, type CollectorConfig } from './config.js';
import { openStore } from './store/open-store.js';

export interface CollectorHandle {
  url: string;
  close(): Promise<void>;
}

/** Opens the store, loads SLA definitions (every problem listed), listens, runs the sweeps. */
export async function startCollector(input: string | CollectorConfig, deps: { clock?: Clock; logger?: Logger } = {}): Promise<CollectorHandle> {
  const config = typeof input === 'string' ? loadCollectorConfig(input) : input;
  const clock = deps.clock ?? systemClock;
  const logger = deps.logger ?? createLogger({ level: config.logLevel, name: 'collector' });
  let definitions: SlaDefinition[] = config.slaDir ? loadDefinitionsDir(config.slaDir) : [];
  const store = await openStore(config.store, logger);
  if (store.appliedAtOpen.length > 0) logger.info({ store: store.location, applied: store.appliedAtOpen }, 'store migrated');
  const { app, engine, incidents } = await buildApp({
    config,
    store,
    clock,
    logger,
    definitions: () => definitions,
    reloadDefinitions: (defs) => {
      definitions = defs;
      logger.info({ clients: defs.map((d) => `${d.client}@${d.version}`) }, 'SLA definitions reloaded');
    },
  });
  await app.listen({ host: config.host, port: config.port });
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : config.port;
  const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
  const sweep = every(
    config.sweepIntervalMs,
    async () => {
      await engine.sweep();
      await incidents.escalator.sweep();
    },
    (err) => logger.error({ err }, 'sweep failed'),
  );
  const warn =
    config.earlyWarningIntervalMs > 0
      ? every(
          config.earlyWarningIntervalMs,
          () => incidents.earlyWarning.evaluate(),
          (err) => logger.error({ err }, 'early-warning evaluation failed'),
        )
      : undefined;
  incidents.outbox.start();
  const prune = cron.schedule('17 3 * * *', async () => {
    try {
      const n = await store.checks.pruneResults(clock.now() - config.samplesRetentionDays * 86_400_000);
      logger.info({ removed: n }, 'pruned old check results');
    } catch (err) {
      logger.error({ err }, 'pruning failed');
    }
  });
  logger.info({ url, store: store.location, clients: definitions.map((d) => d.client) }, 'collector listening');
  let closed = false;
  return {
    url,
    async close() {
      if (closed) return;
      closed = true;
      await sweep.stop();
      await warn?.stop();
      await prune.stop();
      await incidents.outbox.stop();
      await app.close();
      await engine.idle();
      await store.close();
    },
  };
}

/** Runs `f` every `ms`, never two at once (a slow database makes rounds longer, not overlapping). */
function every(ms: number, f: () => Promise<void>, onError: (err: unknown) => void): { stop(): Promise<void> } {
  let running: Promise<void> | undefined;
  const timer = setInterval(() => {
    if (running) return;
    running = f()
      .catch(onError)
      .finally(() => {
        running = undefined;
      });
  }, ms);
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
