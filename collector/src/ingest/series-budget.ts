import type { Clock } from '../../../shared/clock.js';
import type { IngestLimits } from '../config.js';
import type { AgentRow, Store } from '../store/types.js';

type AgentRef = Pick<AgentRow, 'id' | 'clientId'>;

/** What one agent has created: each series lives on in the store and on /metrics. */
interface AgentSeries {
  /** check id → the metric keys its results carried (each a `vigil_probe_*` series). */
  checks: Map<string, Set<string>>;
  /** host metric name → its label sets, as the store keys them (JSON text). */
  host: Map<string, Set<string>>;
  /** checks + (check, metric key) pairs + (host metric, label set) pairs. */
  series: number;
  loadedAt: number;
}

/** An agent at a bound is reloaded from the store at most this often: checks removed meanwhile free their budget. */
const RELOAD_MS = 60_000;

/**
 * Checks and series per agent, bounded (`limits.checksPerAgent`, `limits.seriesPerAgent`).
 * An agent's counts are read from the store once (its checks and host metrics) and then
 * kept here; a batch reserves what it would create, and gives it back when it is not
 * stored (a replay, a store failure). Two batches of one agent racing with a failure can
 * leave a count a little low until the next reload; never high for long.
 */
export class SeriesBudget {
  private readonly agents = new Map<string, AgentSeries>();
  private readonly loading = new Map<string, Promise<AgentSeries>>();

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly limits: Pick<IngestLimits, 'checksPerAgent' | 'seriesPerAgent'>,
  ) {}

  /** A reservation against this agent's budget; admit samples into it synchronously. */
  async open(agent: AgentRef): Promise<Reservation> {
    let s = this.agents.get(agent.id);
    if (!s || (this.atBound(s) && this.clock.now() - s.loadedAt > RELOAD_MS)) s = await this.load(agent);
    return new Reservation(s, this.limits);
  }

  private atBound(s: AgentSeries): boolean {
    return s.checks.size >= this.limits.checksPerAgent || s.series >= this.limits.seriesPerAgent;
  }

  private load(agent: AgentRef): Promise<AgentSeries> {
    let p = this.loading.get(agent.id);
    if (p) return p;
    p = (async () => {
      const loadedAt = this.clock.now();
      const [checks, host] = await Promise.all([this.store.checks.ofAgent(agent.id), this.store.checks.hostMetrics([agent.id])]);
      const s: AgentSeries = { checks: new Map(), host: new Map(), series: 0, loadedAt };
      for (const c of checks) {
        if (c.clientId !== agent.clientId) continue;
        const keys = new Set(Object.keys(c.lastMetrics));
        s.checks.set(c.checkId, keys);
        s.series += 1 + keys.size;
      }
      for (const m of host) {
        const sets = s.host.get(m.name) ?? new Set<string>();
        s.host.set(m.name, sets);
        const before = sets.size;
        sets.add(JSON.stringify(m.labels));
        s.series += sets.size - before;
      }
      this.agents.set(agent.id, s);
      return s;
    })().finally(() => this.loading.delete(agent.id));
    this.loading.set(agent.id, p);
    return p;
  }
}

/** What one batch (or heartbeat) adds to an agent's budget, so it can be given back. */
export class Reservation {
  private readonly newChecks: string[] = [];
  private readonly newKeys: Array<[Set<string>, string]> = [];
  private readonly newHost: Array<[Set<string>, string]> = [];

  constructor(
    private readonly s: AgentSeries,
    private readonly limits: Pick<IngestLimits, 'checksPerAgent' | 'seriesPerAgent'>,
  ) {}

  /** Admits a check result (or a catalogue entry: no metrics): undefined when within the bounds, else why not. */
  check(checkId: string, metrics: Record<string, number> | undefined): string | undefined {
    const keys = this.s.checks.get(checkId);
    let adds = keys ? 0 : 1;
    if (!keys && this.s.checks.size >= this.limits.checksPerAgent)
      return `check "${checkId}" would be this agent's check number ${this.s.checks.size + 1}; at most ${this.limits.checksPerAgent} (limits.checksPerAgent)`;
    if (metrics) for (const k in metrics) if (!keys?.has(k)) adds++;
    if (adds === 0) return undefined;
    if (this.s.series + adds > this.limits.seriesPerAgent) return this.seriesMessage(`check "${checkId}"`, adds);
    let set = keys;
    if (!set) {
      set = new Set();
      this.s.checks.set(checkId, set);
      this.newChecks.push(checkId);
    }
    if (metrics)
      for (const k in metrics)
        if (!set.has(k)) {
          set.add(k);
          if (keys) this.newKeys.push([set, k]);
        }
    this.s.series += adds;
    return undefined;
  }

  /** Admits a host metric: its (name, label set) is one series. */
  metric(name: string, labels: Record<string, string> | undefined): string | undefined {
    const ls = labels ? JSON.stringify(labels) : '{}';
    let sets = this.s.host.get(name);
    if (sets?.has(ls)) return undefined;
    if (this.s.series + 1 > this.limits.seriesPerAgent) return this.seriesMessage(`metric ${name}${ls}`, 1);
    if (!sets) {
      sets = new Set();
      this.s.host.set(name, sets);
    }
    sets.add(ls);
    this.newHost.push([sets, ls]);
    this.s.series++;
    return undefined;
  }

  /** Gives back what this reservation added: its batch was not stored. */
  rollback(): void {
    for (const id of this.newChecks) {
      const keys = this.s.checks.get(id);
      if (!keys) continue;
      this.s.series -= 1 + keys.size;
      this.s.checks.delete(id);
    }
    for (const [set, k] of [...this.newKeys, ...this.newHost]) if (set.delete(k)) this.s.series--;
    this.newChecks.length = 0;
    this.newKeys.length = 0;
    this.newHost.length = 0;
  }

  private seriesMessage(what: string, adds: number): string {
    return `${what} would add ${adds} series to this agent's ${this.s.series}; at most ${this.limits.seriesPerAgent} (limits.seriesPerAgent)`;
  }
}
