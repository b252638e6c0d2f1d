import { attributeDown, memberCoverage } from '../../../shared/sla/attribution.js';
import type { ServiceDefinition, Transition } from '../../../shared/sla/types.js';
import type { CheckRow, HostMetricRow } from '../store/check-types.js';
import type { Store } from '../store/types.js';

/** MOS at or above this is acceptable (ITU-T G.107 bands; the contract's usual floor). */
export const ACCEPTABLE_MOS = 3.5;
/** A disk is near full at this share used, or when it fills within NEAR_FULL_DAYS at its recent rate. */
export const DISK_NEAR_RATIO = 0.85;
export const NEAR_FULL_DAYS = 30;
/** A link is near full at this utilisation (its last reading). */
export const LINK_NEAR_RATIO = 0.8;

const round = (v: number, d = 3) => Math.round(v * 10 ** d) / 10 ** d;

/**
 * VoIP quality per site over [from, to): from the MOS histogram slots (0.1 resolution, stored with the
 * transitions, not pruned with the raw results): median and 5th percentile (the bucket's lower bound),
 * and the share of measured samples below 3.5 (each sample stands for one check interval, so the share
 * of samples is the share of measured time). Worst 5th percentile first.
 */
export async function qualitySection(store: Store, client: string, checks: readonly CheckRow[], from: number, to: number) {
  const counts = await store.checks.qualityFor(client, from, to);
  const siteOf = new Map(checks.map((c) => [c.checkId, c.siteId]));
  const bySite = new Map<string, { checks: Set<string>; hist: Map<number, number> }>();
  for (const q of counts) {
    const site = siteOf.get(q.checkId) ?? '(unknown site)';
    const s = bySite.get(site) ?? { checks: new Set(), hist: new Map() };
    s.checks.add(q.checkId);
    s.hist.set(q.bucket, (s.hist.get(q.bucket) ?? 0) + q.n);
    bySite.set(site, s);
  }
  return [...bySite.entries()]
    .map(([site, s]) => {
      const samples = [...s.hist.values()].reduce((a, b) => a + b, 0);
      const below = [...s.hist.entries()].filter(([b]) => b < ACCEPTABLE_MOS * 10).reduce((a, [, n]) => a + n, 0);
      return {
        site,
        checks: [...s.checks].sort(),
        samples,
        medianMos: quantile(s.hist, samples, 0.5),
        p5Mos: quantile(s.hist, samples, 0.05),
        belowAcceptableShare: samples > 0 ? round(below / samples, 4) : null,
      };
    })
    .sort((a, b) => (a.p5Mos ?? 0) - (b.p5Mos ?? 0) || a.site.localeCompare(b.site));
}

/** The MOS bucket (lower bound, 0.1 steps) holding the q-quantile of the histogram. */
function quantile(hist: ReadonlyMap<number, number>, total: number, q: number): number | null {
  if (total === 0) return null;
  const rank = Math.max(1, Math.ceil(q * total));
  let seen = 0;
  for (const [bucket, n] of [...hist.entries()].sort((a, b) => a[0] - b[0])) {
    seen += n;
    if (seen >= rank) return bucket / 10;
  }
  return null;
}

/**
 * Disks and links of the client's agents that are near full, from their last readings (capacity looks
 * ahead: as of when the report is made, not over the period), with how many were watched.
 */
export function capacitySection(metrics: readonly HostMetricRow[], siteOf: ReadonlyMap<string, string>) {
  const value = (agent: string, name: string, key: string, v: string) =>
    metrics.find((m) => m.agentId === agent && m.name === name && m.labels[key] === v)?.value;
  const disks = metrics
    .filter((m) => m.name === 'host_disk_size_bytes' && m.value > 0)
    .map((m) => {
      const mount = m.labels.mount ?? '';
      const used = value(m.agentId, 'host_disk_used_bytes', 'mount', mount) ?? 0;
      const days = value(m.agentId, 'host_disk_full_days', 'mount', mount);
      return {
        agent: m.agentId,
        site: siteOf.get(m.agentId) ?? '',
        mount,
        usedRatio: round(used / m.value),
        daysToFull: days === undefined ? null : round(days, 1),
      };
    });
  const links = metrics
    .filter((m) => m.name === 'host_network_utilisation_ratio')
    .map((m) => ({
      agent: m.agentId,
      site: siteOf.get(m.agentId) ?? '',
      interface: m.labels.interface ?? '',
      direction: m.labels.direction ?? '',
      utilisation: round(m.value),
    }));
  return {
    disksWatched: disks.length,
    linksWatched: links.length,
    disks: disks
      .filter((d) => d.usedRatio >= DISK_NEAR_RATIO || (d.daysToFull !== null && d.daysToFull <= NEAR_FULL_DAYS))
      .sort((a, b) => (a.daysToFull ?? Infinity) - (b.daysToFull ?? Infinity) || b.usedRatio - a.usedRatio),
    links: links.filter((l) => l.utilisation >= LINK_NEAR_RATIO).sort((a, b) => b.utilisation - a.utilisation),
  };
}

/** Which agents and checks fed a service's figures over [from, to), with each member's gaps (unknown runs). */
export function coverageOf(service: ServiceDefinition, transitions: readonly Transition[], checks: ReadonlyMap<string, CheckRow>, from: number, to: number) {
  return memberCoverage(service.members, transitions, { start: from, end: to }).map((m) => ({
    ...m,
    coverage: round(m.coverage, 5),
    agent: checks.get(m.check)?.agentId || null,
    site: checks.get(m.check)?.siteId ?? null,
  }));
}

/** Each reported down interval with the members down in it and the rule that made it downtime. */
export function attributionOf(
  service: ServiceDefinition,
  transitions: readonly Transition[],
  intervals: ReadonlyArray<{ start: number; end: number }>,
  asOf: number,
) {
  return attributeDown(service, transitions, intervals, asOf).map((a) => ({
    start: new Date(a.start).toISOString(),
    end: new Date(a.end).toISOString(),
    seconds: (a.end - a.start) / 1000,
    membersDown: a.members,
    run: { start: new Date(a.run.start).toISOString(), end: new Date(a.run.end).toISOString() },
    rule: a.rule,
  }));
}
