import type { AgentRow, CheckRow, HostMetricRow } from '../store/types.js';
import { Family, labelPairs, slices } from './text.js';

const NAME = /^[a-z][a-z0-9_]*$/;
const STATES = ['up', 'down', 'unknown'] as const;

/** A check's label text and the starts of its lines (`name{labels} `), kept between scrapes. */
interface Labelled {
  site: string;
  service: string;
  type: string;
  /** `client="…",site="…",service="…",check="…",type="…"` */
  pairs: string;
  up: string;
  duration: string;
  states: readonly [string, string, string];
  /** Probe figure → the start of its line. */
  probes: Map<string, string>;
}

/**
 * The per-check families (vigil_check_up, vigil_check_state, vigil_check_duration_seconds,
 * vigil_probe_<figure>) and the per-agent host families (vigil_host_<metric>), written from the
 * engine's rows at every scrape. A check's label text is kept between scrapes (checks rarely
 * change site, service or type) and rebuilt when one of them changes; checks gone from the
 * engine leave the cache at the next scrape.
 */
export class CheckSeries {
  private labels = new Map<string, Labelled>();

  /** Family texts, fixed families first (present even when empty), then probe and host families by first appearance. */
  async render(checks: readonly CheckRow[], exists: (c: CheckRow) => boolean, agents: ReadonlyMap<string, AgentRow>, host: readonly HostMetricRow[]) {
    const up = new Family('vigil_check_up', '1 when the last result of a check was up, else 0');
    const state = new Family('vigil_check_state', 'Confirmed state of a check (one-hot)');
    const dur = new Family('vigil_check_duration_seconds', 'Duration of the last probe');
    const probes = new Map<string, Family>();
    const next = new Map<string, Labelled>();
    const pause = slices();
    for (const c of checks) {
      await pause.tick();
      if (!exists(c)) continue;
      const l = this.labelled(c, next);
      for (let i = 0; i < 3; i++) state.addWithPrefix(l.states[i]!, c.state === STATES[i] ? 1 : 0);
      if (c.lastStatus === null) continue;
      up.addWithPrefix(l.up, c.lastStatus === 'up' ? 1 : 0);
      if (c.lastDurationMs !== null) dur.addWithPrefix(l.duration, c.lastDurationMs / 1000);
      for (const k in c.lastMetrics) {
        const v = c.lastMetrics[k]!;
        if (!Number.isFinite(v)) continue;
        let f = probes.get(k);
        if (f === undefined) {
          const name = `vigil_probe_${k}`;
          if (!NAME.test(name)) continue;
          f = new Family(name, `Probe figure ${k} of the last result`);
          probes.set(k, f);
        }
        let prefix = l.probes.get(k);
        if (prefix === undefined) {
          prefix = f.linePrefix(l.pairs);
          l.probes.set(k, prefix);
        }
        f.addWithPrefix(prefix, v);
      }
    }
    this.labels = next;
    return [state, dur, up, ...probes.values(), ...(await hostFamilies(agents, host))];
  }

  private labelled(c: CheckRow, next: Map<string, Labelled>): Labelled {
    const key = `${c.clientId}\u0000${c.checkId}`;
    const service = c.labels.service ?? '';
    let l = this.labels.get(key);
    if (l === undefined || l.site !== c.siteId || l.service !== service || l.type !== c.type) {
      const pairs = labelPairs([
        ['client', c.clientId],
        ['site', c.siteId],
        ['service', service],
        ['check', c.checkId],
        ['type', c.type],
      ]);
      const states = STATES.map((st) => `vigil_check_state{${pairs},state="${st}"} `) as unknown as Labelled['states'];
      l = {
        site: c.siteId,
        service,
        type: c.type,
        pairs,
        up: `vigil_check_up{${pairs}} `,
        duration: `vigil_check_duration_seconds{${pairs}} `,
        states,
        probes: new Map(),
      };
    }
    next.set(key, l);
    return l;
  }
}

/**
 * vigil_host_<metric>{client,site,agent,<its own labels>} of every agent not revoked. A family's
 * label names are those of its first row; a row of the same metric with other label names is left
 * out (a series of one family must not change shape), as is a second row with the same labels.
 */
async function hostFamilies(agents: ReadonlyMap<string, AgentRow>, host: readonly HostMetricRow[]): Promise<Family[]> {
  const families = new Map<string, { family: Family; shape: string; seen: Set<string> }>();
  const pause = slices();
  for (const m of host) {
    await pause.tick();
    const a = agents.get(m.agentId);
    const name = `vigil_host_${m.name.replace(/^host_/, '')}`;
    if (!a || !NAME.test(name)) continue;
    const extra = Object.keys(m.labels)
      .filter((k) => NAME.test(k) && k !== 'client' && k !== 'site' && k !== 'agent')
      .sort();
    const shape = extra.join(',');
    let f = families.get(name);
    if (f === undefined) {
      f = { family: new Family(name, `Host metric ${m.name}`), shape, seen: new Set() };
      families.set(name, f);
    } else if (f.shape !== shape) continue;
    const pairs = labelPairs([['client', a.clientId], ['site', a.siteId], ['agent', a.id], ...extra.map((k) => [k, m.labels[k]!] as const)]);
    if (f.seen.has(pairs)) continue;
    f.seen.add(pairs);
    f.family.add(pairs, m.value);
  }
  return [...families.values()].map((f) => f.family);
}
