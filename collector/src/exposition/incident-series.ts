import type { IncidentRow } from '../store/types.js';
import { Family, labelPairs } from './text.js';

/**
 * Open incidents (outages and early warnings) as families, read at scrape time: how many by
 * client, service, kind, priority and acknowledgement, and when the oldest of each began (its age
 * is `time() - …` in PromQL), so the NOC sees old unacknowledged incidents first. Muted incidents
 * (opened inside a maintenance window) are left out, as from notifications. The label set is
 * bounded by the open incidents, not by their ids.
 */
export function incidentFamilies(open: readonly IncidentRow[], pending: number): Family[] {
  const count = new Family('vigil_incidents_open', 'Open incidents by kind (service-down, site-unreachable, burn-rate, projected-breach)');
  const oldest = new Family(
    'vigil_incidents_open_oldest_start_timestamp_seconds',
    'When the oldest open incident of each client, service, kind, priority and acknowledgement began',
  );
  const groups = new Map<string, { n: number; since: number }>();
  for (const i of open) {
    if (i.muted) continue;
    const pairs = labelPairs([
      ['client', i.client],
      ['service', i.service],
      ['kind', i.kind],
      ['priority', i.priority],
      ['acknowledged', i.acknowledgedAt === null ? 'false' : 'true'],
    ]);
    const g = groups.get(pairs);
    if (g) {
      g.n++;
      g.since = Math.min(g.since, i.startedAt);
    } else groups.set(pairs, { n: 1, since: i.startedAt });
  }
  for (const [pairs, g] of groups) {
    count.add(pairs, g.n);
    oldest.add(pairs, g.since / 1000);
  }
  const backlog = new Family('vigil_notifications_pending', 'Notifications queued and not yet delivered');
  backlog.add('', pending);
  return [count, oldest, backlog];
}
