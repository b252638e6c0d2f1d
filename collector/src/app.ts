import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyError, type FastifyPluginAsync } from 'fastify';
import type { Clock } from '../../shared/clock.js';
import { isVigilError, VigilError } from '../../shared/errors.js';
import type { Logger } from '../../shared/logger.js';
import type { SlaDefinition } from '../../shared/sla/types.js';
import { AgentTokens } from './agent-tokens.js';
import { AuthFailures, auditor, installGuard, Principals, type RouteAccess } from './access/index.js';
import type { AppContext, VigilFastify } from './app-context.js';
import type { CollectorConfig } from './config.js';
import type { EngineListener } from './engine/events.js';
import { ServiceTracker } from './engine/service-tracker.js';
import { StateMachine } from './engine/state-machine.js';
import { buildIncidents, type Incidents } from './incidents/wiring.js';
import { collectorServer } from './http-server.js';
import { CollectorMetrics } from './metrics.js';

/** Body limit of every route but ingest and heartbeat (security: a small limit where nothing large is expected). */
const ROUTE_BODY_LIMIT = 64 * 1024;
import type { RoutedChannel } from './notify/outbox.js';
import { portalRoutes } from './portal/routes.js';
import { ReportDelivery } from './reports/delivery.js';
import { ReportLinks } from './reports/links.js';
import { ReportSigner } from './reports/signing.js';
import { reportRoutes } from './routes/reports.js';
import { backupRoutes } from './routes/backup.js';
import { accessRoutes } from './routes/access.js';
import { ackPageRoutes } from './routes/ack-page.js';
import { checkOwnerRoutes } from './routes/check-owners.js';
import { downloadRoutes } from './routes/downloads.js';
import { fleetRoutes } from './routes/fleet.js';
import { FleetConfig } from './fleet/fleet-config.js';
import { FleetReports } from './fleet/agent-reports.js';
import { enrollRoutes } from './routes/enroll.js';
import { exclusionRoutes } from './routes/exclusions.js';
import { incidentRoutes } from './routes/incidents.js';
import { ingestRoutes } from './routes/ingest.js';
import { statusRoutes } from './routes/status.js';
import type { Sink } from './sinks/types.js';
import type { Store } from './store/types.js';

export interface BuildAppOptions {
  config: CollectorConfig;
  store: Store;
  clock: Clock;
  logger: Logger;
  definitions?: () => readonly SlaDefinition[];
  /** Called with a freshly loaded, valid set of definitions (POST /api/v1/admin/definitions/reload). */
  reloadDefinitions?: (defs: SlaDefinition[]) => void;
  listeners?: EngineListener[];
  sinks?: Sink[];
  plugins?: FastifyPluginAsync[];
  /** Replaces the channels built from the config (tests). */
  channels?: RoutedChannel[];
}

export interface VigilApp {
  app: VigilFastify;
  engine: StateMachine;
  incidents: Incidents;
  metrics: CollectorMetrics;
  /** Every route with the access it declared, as fastify added them (HEAD twins included). */
  routes: RouteAccess[];
  /** Scheduled contract reports (reports.deliveries); server.ts runs them by cron. */
  reports: ReportDelivery;
}

/** The collector's HTTP app, fully wired but not listening (tests use app.inject()). The store must be open and migrated. */
export async function buildApp(opts: BuildAppOptions): Promise<VigilApp> {
  const { config, clock, logger } = opts;
  const definitions = opts.definitions ?? (() => []);
  let capped: () => void = () => {};
  const app = Fastify({
    loggerInstance: logger,
    serverFactory: collectorServer(config.security, logger, () => capped()),
    // 64 KiB for every route; ingest takes bodyLimitBytes (routes/ingest.ts)
    bodyLimit: ROUTE_BODY_LIMIT,
    // X-Forwarded-For is believed only from the configured reverse proxies
    trustProxy: config.security.trustedProxies.length > 0 ? config.security.trustedProxies : false,
    ajv: { customOptions: { allErrors: true, coerceTypes: false, removeAdditional: false } },
  }).withTypeProvider<TypeBoxTypeProvider>();
  const metrics = new CollectorMetrics(opts.store, clock, definitions);
  const store = metrics.store; // every call timed for /metrics
  capped = () => metrics.connectionCapped();
  const incidents = await buildIncidents({
    store,
    config,
    clock,
    logger,
    definitions,
    figures: () => metrics.slaFigures(),
    metrics,
    ...(opts.channels ? { channels: opts.channels } : {}),
  });
  metrics.watchIncidents(store.incidents, incidents.outbox);
  const listeners = [incidents.recorder, ...(opts.listeners ?? []), metrics.engineListener];
  const engine: StateMachine = new StateMachine(
    store,
    clock,
    logger,
    config,
    listeners,
    new ServiceTracker((c, m) => engine.stateOf(c, m), clock, definitions),
    definitions,
  );
  await engine.load();
  metrics.watchChecks(() => engine.snapshot());
  const agentTokens = new AgentTokens(store, clock);
  const principals = new Principals(store, clock, { adminToken: config.adminToken, metricsToken: config.security.metricsToken });
  const audit = auditor(store, clock);
  const ctx: AppContext = {
    config,
    store,
    clock,
    logger,
    engine,
    metrics,
    sinks: opts.sinks ?? [],
    definitions,
    incidents,
    agentTokens,
    principals,
    audit,
    reportSigner: await ReportSigner.from(store.settings, config.security.reportKey),
    reportLinks: await ReportLinks.from(store.settings),
    fleet: new FleetConfig(config.fleet, logger),
    fleetReports: new FleetReports(store),
  };
  const routes = installGuard(app, principals, new AuthFailures(clock, config.security.authFailuresPerMinute), () => metrics.authLimited());

  app.setErrorHandler((err: FastifyError, req, reply) => {
    if (req.url.startsWith('/api/v1/ingest')) metrics.rejected();
    if (isVigilError(err)) {
      if (err.code === 'VIGIL_ERR_STORE_UNAVAILABLE') {
        // nothing was acknowledged: the agent keeps the batch and sends it again
        req.log.warn({ err: err.message }, 'store unavailable');
        reply.header('retry-after', '5');
      }
      return reply.code(err.statusCode).send(err.toJSON());
    }
    if (err.validation) {
      const problems = err.validation.map((v) => ({ path: v.instancePath || '/', message: v.message ?? 'invalid' }));
      return reply
        .code(400)
        .send(new VigilError('BODY_INVALID', `request ${err.validationContext ?? 'body'} is invalid (${problems.length} problems)`, problems).toJSON());
    }
    if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      const limit = req.routeOptions.bodyLimit ?? ROUTE_BODY_LIMIT;
      return reply.code(413).send(new VigilError('BODY_TOO_LARGE', `request body is larger than ${limit} bytes`).toJSON());
    }
    if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) {
      return reply.code(err.statusCode).send(new VigilError('BODY_INVALID', err.message).toJSON());
    }
    req.log.error({ err }, 'unhandled error');
    return reply.code(500).send(new VigilError('INTERNAL', 'internal error; see the collector log').toJSON());
  });
  app.setNotFoundHandler((req, reply) => reply.code(404).send(new VigilError('NOT_FOUND', `no route ${req.method} ${req.url}`).toJSON()));

  enrollRoutes(app, ctx);
  ingestRoutes(app, ctx);
  statusRoutes(app, ctx);
  incidentRoutes(app, ctx);
  ackPageRoutes(app, ctx);
  exclusionRoutes(app, ctx, opts.reloadDefinitions ?? (() => undefined));
  checkOwnerRoutes(app, ctx);
  accessRoutes(app, ctx);
  portalRoutes(app, ctx);
  reportRoutes(app, ctx);
  backupRoutes(app, ctx);
  downloadRoutes(app, ctx);
  fleetRoutes(app, ctx);
  await ctx.fleet.start();
  metrics.watchFleet((a) => ctx.fleet.versionFor(a));
  for (const p of opts.plugins ?? []) void app.register(p);
  const reports = new ReportDelivery({
    store,
    clock,
    logger,
    definitions,
    signer: ctx.reportSigner,
    links: ctx.reportLinks,
    channels: config.channels,
    publicUrl: config.publicUrl,
  });
  return { app, engine, incidents, metrics, routes, reports };
}
