import cron from 'node-cron';
import { systemClock, type Clock } from '../../shared/clock.js';
import { createLogger, type Logger } from '../../shared/logger.js';
import { loadDefinitionsDir } from '../../shared/sla-files/definition-files.js';
import type { SlaDefinition } from '../../shared/sla/types.js';
import type { Server as HttpsServer } from 'node:https';
import { buildApp } from './app.js';
import { collectorServer, readTls } from './http-server.js';
import { deliverySchedule } from './reports/delivery.js';
import { loadCollectorConfig, type CollectorConfig } from './config.js';
import { batchRecordsPrunableBefore } from './ingest/batch-retention.js';
import { openSinks } from './sinks/open-sinks.js';
import { openStore } from './store/open-store.js';

export interface CollectorHandle {
  url: string;
  /** The metrics-only listener's URL (metrics.listen), when configured. */
  metricsUrl?: string;
  close(): Promise<void>;
}

/** Opens the store, loads SLA definitions (every problem listed), listens, runs the sweeps. */
export async function startCollector(input: string | CollectorConfig, deps: { clock?: Clock; logger?: Logger } = {}): Promise<CollectorHandle> {
  const config = typeof input === 'string' ? loadCollectorConfig(input) : input;
  const clock = deps.clock ?? systemClock;
  const logger = deps.logger ?? createLogger({ level: config.logLevel, name: 'collector' });
  let definitions: SlaDefinition[] = config.slaDir ? loadDefinitionsDir(config.slaDir) : [];
  const store = await openStore(config.store, logger);
  const sinks = openSinks(config.sinks, { clock, logger });
  if (store.appliedAtOpen.length > 0) logger.info({ store: store.location, applied: store.appliedAtOpen }, 'store migrated');
  const { app, engine, incidents, metrics, reports } = await buildApp({
    config,
    store,
    clock,
    logger,
    sinks: sinks.sinks,
    definitions: () => definitions,
    reloadDefinitions: (defs) => {
      definitions = defs;
      logger.info({ clients: defs.map((d) => `${d.client}@${d.version}`) }, 'SLA definitions reloaded');
    },
  });
  sinks.register(metrics.registry);
  await app.listen({ host: config.host, port: config.port });
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : config.port;
  const scheme = config.security.tls ? 'https' : 'http';
  const url = `${scheme}://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
  const tls = config.security.tls;
  // a renewed certificate is taken without a restart: `kill -HUP <pid>` (or systemctl reload)
  const onHup = () => {
    if (!tls) return;
    try {
      (app.server as unknown as HttpsServer).setSecureContext(readTls(tls));
      logger.info({ cert: tls.certFile }, 'TLS certificate and key reloaded');
    } catch (err) {
      logger.error({ err, cert: tls.certFile }, 'TLS reload failed; the previous certificate stays in use');
    }
  };
  process.on('SIGHUP', onHup);
  const metricsServer = config.security.metricsListen
    ? await metricsOnly(
        config.security.metricsListen,
        () => metrics.scrape(),
        metrics.registry.contentType,
        // the main listener's deadlines and connection cap (plain HTTP: a management network)
        collectorServer({ ...config.security, tls: undefined }, logger, () => metrics.connectionCapped()),
      )
    : undefined;
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
      const b = await store.checks.pruneBatches(batchRecordsPrunableBefore(clock.now(), config.limits));
      logger.info({ removed: n, batchRecords: b }, 'pruned old check results and batch records');
    } catch (err) {
      logger.error({ err }, 'pruning failed');
    }
  });
  // each client's due report at its `at` on the 1st, in the client's own time zone
  const deliveries = config.reportDeliveries.map((d) => {
    const s = deliverySchedule(d, definitions, clock.now());
    return cron.schedule(s.cron, () => void reports.run(d).catch((err) => logger.error({ err, client: d.client }, 'scheduled report failed')), {
      timezone: s.timezone,
    });
  });
  logger.info(
    { url, store: store.location, clients: definitions.map((d) => d.client), ...(metricsServer ? { metrics: metricsServer.url } : {}) },
    'collector listening',
  );
  let closed = false;
  return {
    url,
    ...(metricsServer ? { metricsUrl: metricsServer.url } : {}),
    async close() {
      if (closed) return;
      closed = true;
      process.off('SIGHUP', onHup);
      await metricsServer?.close();
      await sweep.stop();
      await warn?.stop();
      await prune.stop();
      for (const d of deliveries) await d.stop();
      await incidents.outbox.stop();
      await app.close();
      await sinks.close(); // ingest has stopped: what is staged goes to the sinks' disk buffers
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

/** A listener that serves /metrics only, without a token (metrics.listen): for a management network Prometheus scrapes. */
async function metricsOnly(
  listen: { host: string; port: number },
  scrape: () => Promise<string | Buffer>,
  contentType: string,
  serverFor: ReturnType<typeof collectorServer>,
) {
  const server = serverFor((req, res) => {
    if (req.method !== 'GET' || req.url?.split('?')[0] !== '/metrics') return void res.writeHead(404).end();
    scrape().then(
      (body) => res.writeHead(200, { 'content-type': contentType }).end(body),
      () => res.writeHead(500).end(),
    );
  });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(listen.port, listen.host, () => resolve()));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://${listen.host}:${port}/metrics`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
