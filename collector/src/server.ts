import cron from 'node-cron';
import { systemClock, type Clock } from '../../shared/clock.js';
import { createLogger, type Logger } from '../../shared/logger.js';
import { loadDefinitionsDir } from '../../shared/sla/definition.js';
import type { SlaDefinition } from '../../shared/sla/types.js';
import { buildApp } from './app.js';
import { loadCollectorConfig, type CollectorConfig } from './config.js';
import { SqliteStore } from './store/sqlite-store.js';

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
  const store = new SqliteStore(config.dataDir);
  const { app, engine, incidents } = buildApp({
    config, store, clock, logger, definitions: () => definitions,
    reloadDefinitions: (defs) => {
      definitions = defs;
      logger.info({ clients: defs.map((d) => `${d.client}@${d.version}`) }, 'SLA definitions reloaded');
    },
  });
  await app.listen({ host: config.host, port: config.port });
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : config.port;
  const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
  const sweep = setInterval(() => {
    try {
      engine.sweep();
      incidents.escalator.sweep();
    } catch (err) {
      logger.error({ err }, 'sweep failed');
    }
  }, config.sweepIntervalMs);
  const warn = config.earlyWarningIntervalMs > 0
    ? setInterval(() => {
      try {
        incidents.earlyWarning.evaluate();
      } catch (err) {
        logger.error({ err }, 'early-warning evaluation failed');
      }
    }, config.earlyWarningIntervalMs)
    : undefined;
  incidents.outbox.start();
  const prune = cron.schedule('17 3 * * *', () => {
    const n = store.pruneResults(clock.now() - config.samplesRetentionDays * 86_400_000);
    logger.info({ removed: n }, 'pruned old check results');
  });
  logger.info({ url, dataDir: config.dataDir, clients: definitions.map((d) => d.client) }, 'collector listening');
  let closed = false;
  return {
    url,
    async close() {
      if (closed) return;
      closed = true;
      clearInterval(sweep);
      if (warn) clearInterval(warn);
      await prune.stop();
      await incidents.outbox.stop();
      await app.close();
      store.close();
    },
  };
}
