import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Clock } from '../../shared/clock.js';
import type { Heartbeat } from '../../shared/protocol/v1/heartbeat.js';
import type { SlaDefinition } from '../../shared/sla/types.js';
import type { Outbox } from './notify/outbox.js';
import { type AgentRow, type CheckRow, type HostMetricRow, NO_AGENT, type Store } from './store/types.js';
import { AgentMetrics } from './agent-metrics.js';
import { currentSlaFigures } from './sla-query.js';

const NAME = /^[a-z][a-z0-9_]*$/;
const CHECK_LABELS = ['client', 'site', 'service', 'check', 'type'] as const;

/**
 * Prometheus exposition with a per-app Registry (never the global one). Check, host, agent
 * and SLA gauges are reset and filled from the engine and the store at every scrape, so
 * /metrics shows the truth after a restart too, and a check or agent that no longer exists
 * (see exists) leaves no series behind; SLA figures are cached for 10 s because they are computed.
 */
export class CollectorMetrics {
  readonly registry = new Registry();
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
  private readonly dynamic = new Map<string, Gauge>();
  private slaCache: { at: number; rows: Promise<Awaited<ReturnType<typeof currentSlaFigures>>> } | undefined;
  /** The checks as the state engine knows them (set once the engine exists). */
  private checks: () => readonly CheckRow[] = () => [];
  private readonly sla: Record<'target' | 'budget' | 'burn' | 'projected' | 'breach', Gauge>;
  private readonly agents: AgentMetrics;
  /** Agent id → the check ids its last heartbeat listed, and when it sent it (the agent's clock, as results are dated). */
  private readonly listed = new Map<string, { ids: ReadonlySet<string>; sentAt: number }>();

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly definitions: () => readonly SlaDefinition[],
  ) {
    collectDefaultMetrics({ register: this.registry });
    for (const r of ['stored', 'duplicate', 'rejected']) this.batches.inc({ result: r }, 0);
    this.samples.inc(0);
    new Gauge({ name: 'vigil_check_up', help: '1 when the last result of a check was up, else 0', labelNames: CHECK_LABELS, registers: [this.registry] });
    new Gauge({
      name: 'vigil_sla_availability_ratio',
      help: 'Availability of the current period to date (0..1)',
      labelNames: ['client', 'service'],
      registers: [this.registry],
    });
    // Registered now, not at the first scrape: prom-client lists the metrics before it collects them.
    const sla = (name: string, help: string, labels = ['client', 'service']) => new Gauge({ name, help, labelNames: labels, registers: [this.registry] });
    this.sla = {
      target: sla('vigil_sla_target_ratio', 'SLA target (0..1)'),
      budget: sla('vigil_sla_error_budget_remaining_ratio', 'Share of the error budget left this period'),
      burn: sla('vigil_sla_burn_rate', 'Error-budget burn rate by window', ['client', 'service', 'window']),
      projected: sla('vigil_sla_projected_availability_ratio', 'Projected end-of-period availability (0..1)'),
      breach: sla(
        'vigil_sla_time_to_breach_seconds',
        'Measured time until the error budget is used up at the last 24 h rate (0 = used up); absent when not this period',
      ),
    };
    this.agents = new AgentMetrics(this.registry);
  }

  /**
   * The exposition text. Store-backed gauges are refreshed first, not in prom-client's
   * collect() hooks: the registry lists its metrics before collecting, so a gauge first
   * created inside a hook (a new probe figure or host metric) would miss that scrape.
   */
  async scrape(): Promise<string> {
    const [agents, host, sla] = await Promise.all([this.store.agents.list(), this.store.checks.hostMetrics(), this.slaFigures()]);
    const used = new Set<string>();
    this.collectChecks(agents, host, used);
    this.collectSla(sla);
    this.agents.collect(agents);
    // a probe figure or host metric nobody reports any more: its family goes too, not only its series
    for (const name of this.dynamic.keys())
      if (!used.has(name)) {
        this.registry.removeSingleMetric(name);
        this.dynamic.delete(name);
      }
    return this.registry.metrics();
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

  /** Open incidents (outages and early warnings) and the outbox backlog, read at scrape time. */
  watchIncidents(incidents: Store['incidents'], outbox: Outbox): void {
    const open = new Gauge({
      name: 'vigil_incidents_open',
      help: 'Open incidents by kind (service-down, site-unreachable, burn-rate, projected-breach)',
      labelNames: ['client', 'service', 'kind', 'priority', 'acknowledged'],
      registers: [this.registry],
      async collect() {
        const rows = await incidents.listOpen();
        open.reset();
        for (const i of rows)
          if (!i.muted)
            open.inc({ client: i.client, service: i.service, kind: i.kind, priority: i.priority, acknowledged: i.acknowledgedAt === null ? 'false' : 'true' });
      },
    });
    const pending = new Gauge({
      name: 'vigil_notifications_pending',
      help: 'Notifications queued and not yet delivered',
      registers: [this.registry],
      async collect() {
        pending.set(await outbox.pendingCount());
      },
    });
  }

  /** Current-period SLA figures of every client, computed at most every 10 s (shared by /metrics and early warning). */
  slaFigures(): ReturnType<typeof currentSlaFigures> {
    const now = this.clock.now();
    if (!this.slaCache || now - this.slaCache.at > 10_000) {
      const rows = currentSlaFigures(this.store, this.definitions(), now);
      this.slaCache = { at: now, rows };
      rows.catch(() => {
        if (this.slaCache?.rows === rows) this.slaCache = undefined; // a failed computation is not cached
      });
    }
    return this.slaCache.rows;
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

  private gauge(name: string, help: string, labels: readonly string[], used: Set<string>): Gauge {
    used.add(name);
    let g = this.dynamic.get(name);
    if (!g) {
      g = new Gauge({ name, help, labelNames: labels as string[], registers: [this.registry] });
      this.dynamic.set(name, g);
    }
    return g;
  }

  private collectChecks(agentRows: readonly AgentRow[], host: readonly HostMetricRow[], used: Set<string>): void {
    for (const g of this.dynamic.values()) g.reset();
    const up = this.registry.getSingleMetric('vigil_check_up') as Gauge;
    up.reset();
    const state = this.gauge('vigil_check_state', 'Confirmed state of a check (one-hot)', [...CHECK_LABELS, 'state'], used);
    const dur = this.gauge('vigil_check_duration_seconds', 'Duration of the last probe', CHECK_LABELS, used);
    for (const c of this.checks()) {
      if (!this.exists(c)) continue;
      const l = { client: c.clientId, site: c.siteId, service: c.labels.service ?? '', check: c.checkId, type: c.type };
      for (const s of ['up', 'down', 'unknown']) state.set({ ...l, state: s }, c.state === s ? 1 : 0);
      if (c.lastStatus === null) continue;
      up.set(l, c.lastStatus === 'up' ? 1 : 0);
      if (c.lastDurationMs !== null) dur.set(l, c.lastDurationMs / 1000);
      for (const [k, v] of Object.entries(c.lastMetrics)) {
        const name = `vigil_probe_${k}`;
        if (NAME.test(name) && Number.isFinite(v)) this.gauge(name, `Probe figure ${k} of the last result`, CHECK_LABELS, used).set(l, v);
      }
    }
    const agents = new Map<string, AgentRow>();
    for (const a of agentRows)
      if (a.revokedAt === null) agents.set(a.id, a);
      else this.listed.delete(a.id); // revoked: its checks are released, its host metrics go
    for (const m of host) {
      const a = agents.get(m.agentId);
      const name = `vigil_host_${m.name.replace(/^host_/, '')}`;
      const extra = Object.keys(m.labels)
        .filter((k) => NAME.test(k) && !['client', 'site', 'agent'].includes(k))
        .sort();
      if (!NAME.test(name) || !a) continue;
      const g = this.gauge(`${name}`, `Host metric ${m.name}`, ['client', 'site', 'agent', ...extra], used);
      try {
        g.set({ client: a.clientId, site: a.siteId, agent: a.id, ...Object.fromEntries(extra.map((k) => [k, m.labels[k]!])) }, m.value);
      } catch {
        // the same metric name sent with another label set: keep the first shape
      }
    }
  }

  private collectSla(rows: Awaited<ReturnType<typeof currentSlaFigures>>): void {
    const avail = this.registry.getSingleMetric('vigil_sla_availability_ratio') as Gauge;
    const { target, budget, burn, projected: proj, breach } = this.sla;
    for (const g of [avail, target, budget, burn, proj, breach]) g.reset();
    for (const { client, figures: f } of rows) {
      const l = { client, service: f.id };
      target.set(l, Number((f.target / 100).toPrecision(12))); // 99.9 / 100 is 0.9990000000000001 in binary
      if (f.availabilityPercent !== null) avail.set(l, f.availabilityPercent / 100);
      if (Number.isFinite(f.errorBudget.remainingRatio)) budget.set(l, f.errorBudget.remainingRatio);
      for (const [w, v] of Object.entries(f.burnRate ?? {})) if (v !== null) burn.set({ ...l, window: w }, v);
      const p = f.toDate?.projectedAvailabilityPercent;
      if (p !== undefined && p !== null) proj.set(l, p / 100);
      const ttb = f.toDate?.timeToBreachSeconds;
      if (ttb !== undefined && ttb !== null) breach.set(l, ttb);
    }
  }
}
