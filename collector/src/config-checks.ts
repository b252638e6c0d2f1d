import type { Problem } from '../../shared/errors.js';
import { parseDurationMs } from '../../shared/sla/duration.js';
import type { CollectorConfigFile } from './config.js';

/* Cross-field checks of collector.yaml the schema cannot say, read defensively so they land in the same report as the schema's. */

/**
 * Names across `channels` and the `webhooks` shorthand (duplicates inside `channels` are
 * channelConfigProblems'), and escalation rules naming a channel that does not exist.
 * Reads the raw config defensively so these come in the same report as the schema's.
 */
export function channelNameProblems(n: { channels?: unknown; webhooks?: unknown; escalation?: unknown } | undefined): Problem[] {
  const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
  const field = (o: unknown, k: string): unknown => (o !== null && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined);
  const names = new Set(
    list(n?.channels)
      .map((c) => field(c, 'name'))
      .filter((x): x is string => typeof x === 'string'),
  );
  const problems: Problem[] = [];
  list(n?.webhooks).forEach((w, i) => {
    const name = field(w, 'name');
    if (typeof name !== 'string') return;
    if (names.has(name)) problems.push({ path: `/notifications/webhooks/${i}/name`, message: `duplicate channel name "${name}"` });
    names.add(name);
  });
  list(n?.escalation).forEach((e, i) =>
    list(field(e, 'channels')).forEach((c, j) => {
      if (typeof c === 'string' && !names.has(c))
        problems.push({ path: `/notifications/escalation/${i}/channels/${j}`, message: `unknown channel "${c}"; known: ${[...names].join(', ') || 'none'}` });
    }),
  );
  return problems;
}

/** What the schema cannot say about `limits`; read defensively so it lands in the same report. */
export function limitProblems(l: unknown): Problem[] {
  if (l === null || typeof l !== 'object') return [];
  const { maxSampleAge, checksPerAgent, seriesPerAgent } = l as Record<string, unknown>;
  const problems: Problem[] = [];
  if (maxSampleAge !== undefined && parseDurationMs(maxSampleAge) === 0) problems.push({ path: '/limits/maxSampleAge', message: 'must be more than 0' });
  const checks = typeof checksPerAgent === 'number' ? checksPerAgent : 1000;
  const series = typeof seriesPerAgent === 'number' ? seriesPerAgent : 10_000;
  if (series < checks) problems.push({ path: '/limits/seriesPerAgent', message: `must be at least checksPerAgent (${checks}): every check is a series` });
  return problems;
}

/** A report delivery's email names an email channel of notifications.channels. */
export function deliveryProblems(f: CollectorConfigFile | null): Array<{ path: string; message: string }> {
  const channels = (f?.notifications?.channels ?? []) as Array<{ name?: string; type?: string }>;
  return (f?.reports?.deliveries ?? []).flatMap((d, i) =>
    d.email && !channels.some((c) => c.type === 'email' && c.name === d.email!.channel)
      ? [{ path: `/reports/deliveries/${i}/email/channel`, message: `no email channel "${d.email.channel}" in notifications.channels` }]
      : [],
  );
}
