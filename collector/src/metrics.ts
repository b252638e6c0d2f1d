import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Clock } from '../../shared/clock.js';
import type { Heartbeat } from '../../shared/protocol/v1/heartbeat.js';
import type { SlaDefinition } from '../../shared/sla/types.js';
import type { EngineListener } from './engine/events.js';
import type { Outbox } from './notify/outbox.js';
import { type AgentRow, type CheckRow, type HostMetricRow, NO_AGENT, type Store } from './store/types.js';
import { AgentMetrics } from './agent-metrics.js';
import { CheckSeries } from './exposition/check-series.js';
import { incidentFamilies } from './exposition/incident-series.js';
import { slaFamilies } from './exposition/sla-series.js';
import { computeSlaRows, type SlaRows, SlaFigures } from './exposition/sla-figures.js';
import { exposition } from './exposition/text.js';
import { timedStore } from './exposition/timed-store.js';

/** Agents whose host metrics are read in one store call at a scrape. */
const HOST_CHUNK = 100;

/**
 * Prometheus exposition with a per-app Registry (never the global one). prom-client keeps the
 * counters, histograms and process metrics; the families rebuilt from the engine and the store at
 * every scrape (checks, probe figures, host metrics, SLA figures, open incidents) are written as
 * text straight from their rows (exposition/), in slices that let ingest run in between, so
 * /metrics shows the truth after a restart too and a check or agent that no longer exists (see
 * exists) leaves no series behind. SLA figures are cached for 10 s because they are computed.
 */
export class CollectorMetrics {
  readonly registry = new Registry();
  /** The store every part of the collector uses: the one passed in, with each call timed (vigil_store_operation_duration_seconds). */
  readonly store: Store;
  private readonly batches = new Counter({
    name: 'vigil_ingest_batches_total',
    help: 'Ingested batches by result',
    labelNames: ['result'],
    registers: [this.registry],
  });
  private readonly samples = new Counter({ name: 'vigil_ingest_samples_total', help: 'Samples stored', registers: [this.registry] });
  private readonly duration = new Histogram({
    name: 'vigil_ingest_request_duration_seconds',
    help: 'Ingest request handling time',
    buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1],
    registers: [this.registry],
  });
  private readonly notifications = new Counter({
    name: 'vigil_notifications_total',
    help: 'Notification attempts by channel and result (delivered, retry, failed)',
    labelNames: ['channel', 'result'],
    registers: [this.registry],
  });
  private readonly timeToNotify = new Histogram({
    name: 'vigil_incident_time_to_notify_seconds',
    help: 'From the start of an outage to its first delivered notification',
    buckets: [5, 10, 15, 20, 30, 45, 60, 120, 300, 900],
    registers: [this.registry],
  });
  private readonly http = new Counter({
    name: 'vigil_http_refused_total',
    help: 'Requests and connections refused to protect the collector: auth-limited (429 after failed authentications), connection-cap',
    labelNames: ['reason'],
    registers: [this.registry],
  });
  private readonly engineLag = new Histogram({
    name: 'vigil_engine_event_lag_seconds',
    help: 'From the state engine confirming a change to its listeners (incidents, notifications) having taken it, by event',
    labelNames: ['event'],
    buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30],
    registers: [this.registry],
  });
  private readonly sla: SlaFigures;
  /** The checks as the state engine knows them (set once the engine exists). */
  private checks: () => readonly CheckRow[] = () => [];
  private incidents: { store: Store['incidents']; outbox: Outbox } | undefined;
  private readonly checkSeries = new CheckSeries();
  private readonly agents: AgentMetrics;
  /** Agent id → the check ids its last heartbeat listed, and when it sent it (the agent's clock, as results are dated). */
  private readonly listed = new Map<string, { ids: ReadonlySet<string>; sentAt: number }>();

  constructor(
    store: Store,
    private readonly clock: Clock,
    private readonly definitions: () => readonly SlaDefinition[],
  ) {
    collectDefaultMetrics({ register: this.registry });
    // counters start at 0 with every label value known now, so rate() has a series from the first scrape
    for (const r of ['stored', 'duplicate', 'rejected']) this.batches.inc({ result: r }, 0);
    for (const r of ['auth-limited', 'connection-cap']) this.http.inc({ reason: r }, 0);
    this.samples.inc(0);
    this.store = timedStore(
      store,
      new Histogram({
        name: 'vigil_store_operation_duration_seconds',
        help: 'Time the collector waited for its database, by Store operation',
        labelNames: ['operation'],
        buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
        registers: [this.registry],
      }),
    );
    this.agents = new AgentMetrics();
    this.sla = new SlaFigures((now) => computeSlaRows(this.store, definitions(), now), clock);
  }

  /**
   * The exposition body (UTF-8 text, sent as it is): prom-client's registry (counters, histograms,
   * process) and the families written from the engine's and the store's rows at this scrape.
   */
  async scrape(): Promise<Buffer> {
    const sla = this.sla.forScrape();
    const agentRows = await this.store.agents.list();
    const agents = new Map<string, AgentRow>();
    for (const a of agentRows)
      if (a.revokedAt === null) agents.set(a.id, a);
      else this.listed.delete(a.id); // revoked: its checks are released, its host metrics go
    const host = await this.hostMetrics([...agents.keys()]);
    const [open, pending] = this.incidents ? await Promise.all([this.incidents.store.listOpen(), this.incidents.outbox.pendingCount()]) : [[], 0];
    const checks = await this.checkSeries.render(this.checks(), (c) => this.exists(c), agents, host);
    const slaParts = await slaFamilies(await sla, this.definitions(), this.clock.now());
    const incidentParts = this.incidents ? incidentFamilies(open, pending) : [];
    const agentParts = await this.agents.collect(agentRows);
    return exposition([await this.registry.metrics(), ...[...agentParts, ...checks, ...slaParts, ...incidentParts].map((f) => f.bytes())]);
  }

  /**
   * The host metrics of these agents, read HOST_CHUNK agents at a time with the event loop let run in
   * between: on SQLite a read answers within the same turn, and 13,000 rows in one read hold it ~50 ms.
   */
  private async hostMetrics(agentIds: readonly string[]): Promise<HostMetricRow[]> {
    const out: HostMetricRow[] = [];
    for (let i = 0; i < agentIds.length; i += HOST_CHUNK) {
      if (i > 0) await new Promise<void>((resolve) => setImmediate(resolve));
      out.push(...(await this.store.checks.hostMetrics(agentIds.slice(i, i + HOST_CHUNK))));
    }
    return out;
  }

  /**
   * A heartbeat was taken: its catalogue says which checks exist at that agent now (see exists), and
   * its send figures go on /metrics. An empty catalogue is not taken at its word: senders that report
   * results but list no checks exist (scripts, harnesses), and hiding all their checks would blind the
   * dashboards; an agent whose checks were all removed keeps their series until an admin releases them.
   */
  heartbeat(agentId: string, hb: Pick<Heartbeat, 'checks' | 'sentAt' | 'send'>): void {
    if (hb.checks.length === 0) this.listed.delete(agentId);
    else this.listed.set(agentId, { ids: new Set(hb.checks.map((d) => d.id)), sentAt: hb.sentAt });
    this.agents.heartbeat(agentId, hb.send);
  }

  /** Where check states come from: the engine's memory, not a table scan per scrape. */
  watchChecks(source: () => readonly CheckRow[]): void {
    this.checks = source;
  }

  /** The central configuration version each agent should run (collector/src/fleet), for vigil_agent_config_pending. */
  watchFleet(expected: (a: AgentRow) => string | undefined): void {
    this.agents.watchFleet(expected);
  }

  /** Open incidents (outages and early warnings) and the outbox backlog, read at scrape time. */
  watchIncidents(incidents: Store['incidents'], outbox: Outbox): void {
    this.incidents = { store: incidents, outbox };
  }

  /** The state engine's last listener: how long after its confirmation each event was taken by the listeners before it. */
  readonly engineListener: EngineListener = {
    onCheckTransition: (e) => this.engineLag.observe({ event: 'check' }, Math.max(0, this.clock.now() - e.detectedAt) / 1000),
    onServiceTransition: (e) => this.engineLag.observe({ event: 'service' }, Math.max(0, this.clock.now() - e.detectedAt) / 1000),
    onAgentReachability: (e) => this.engineLag.observe({ event: 'reachability' }, Math.max(0, this.clock.now() - e.detectedAt) / 1000),
  };

  observeIngest(stored: boolean, samples: number, seconds: number): void {
    this.batches.inc({ result: stored ? 'stored' : 'duplicate' });
    if (stored) this.samples.inc(samples);
    this.duration.observe(seconds);
  }

  /** A source locked out after failed authentications was refused (429). */
  authLimited(): void {
    this.http.inc({ reason: 'auth-limited' });
  }

  /** A connection was closed at once: the collector holds security.connections.max already. */
  connectionCapped(): void {
    this.http.inc({ reason: 'connection-cap' });
  }

  rejected(): void {
    this.batches.inc({ result: 'rejected' });
  }

  notificationAttempt(channel: string, result: 'delivered' | 'retry' | 'failed'): void {
    this.notifications.inc({ channel, result });
  }

  incidentNotified(seconds: number): void {
    this.timeToNotify.observe(seconds);
  }

  /** Current-period SLA figures of every client, computed at most every 10 s (shared by /metrics and early warning). */
  slaFigures(): Promise<SlaRows> {
    return this.sla.fresh();
  }

  /**
   * Whether a check the engine knows still exists, i.e. has series on /metrics: an agent owns it (not
   * released by an admin or by its agent's revocation), and that agent's last heartbeat listed it or
   * it has a result dated after that heartbeat (the agent measures it again; older results are a
   * backlog from before it was removed). The engine keeps the others' rows: a released check's next
   * owner goes on from where it ended.
   */
  private exists(c: CheckRow): boolean {
    if (c.agentId === NO_AGENT) return false;
    const l = this.listed.get(c.agentId);
    return l === undefined || l.ids.has(c.checkId) || (c.lastTs !== null && c.lastTs > l.sentAt);
  }
}
