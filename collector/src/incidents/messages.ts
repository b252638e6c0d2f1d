import type { NotificationEvent, NotificationMessage, Severity } from '../notify/channel.js';
import type { IncidentRow } from '../store/types.js';

export interface MessageLinks {
  ackUrl?: string;
  incidentUrl?: string;
}

/** Extra facts for warnings (burn rate, projected breach). */
export interface WarningFacts {
  target: number;
  availabilityPercent: number | null;
  projectedAvailabilityPercent: number | null;
  timeToBreachSeconds: number | null;
  burn?: { window: string; rate: number; threshold: number };
}

const iso = (ms: number) => new Date(ms).toISOString();

/** "9 h", "25 min", "3 d": rounded the way a person says it. */
export function humanDuration(seconds: number): string {
  if (seconds < 90) return `${Math.max(0, Math.round(seconds))} s`;
  if (seconds < 5400) return `${Math.round(seconds / 60)} min`;
  if (seconds < 172_800) return `${Math.round(seconds / 3600)} h`;
  return `${Math.round(seconds / 86_400)} d`;
}

const subject = (i: IncidentRow) => (i.kind === 'site-unreachable' ? `${i.client}/${i.site ?? i.service.replace(/^site:/, '')}` : `${i.client}/${i.service}`);
const urgent = (p: string) => p === 'p1' || p === 'p2';

/** The channel-neutral message for an incident event; channels only format it. */
export function incidentMessage(
  i: IncidentRow,
  event: NotificationEvent,
  now: number,
  links: MessageLinks,
  opts: { level?: number; warning?: WarningFacts } = {},
): NotificationMessage {
  const who = subject(i);
  const what =
    i.kind === 'site-unreachable' ? 'site unreachable (agent heartbeats stopped)' : i.kind === 'service-down' ? 'service down' : i.kind.replace('-', ' ');
  let title: string;
  let severity: Severity;
  const lines: string[] = [];
  switch (event) {
    case 'incident.opened':
      title = i.kind === 'site-unreachable' ? `SITE UNREACHABLE ${who} (${i.priority})` : `DOWN ${who} (${i.priority})`;
      severity = urgent(i.priority) ? 'critical' : 'warning';
      lines.push(`${who}: ${what} since ${iso(i.startedAt)}, detected ${iso(i.detectedAt)}.`);
      break;
    case 'incident.escalated':
      title = `ESCALATION ${opts.level ?? i.escalationLevel}: ${who} not acknowledged (${i.priority})`;
      severity = 'critical';
      lines.push(`${who}: ${what} for ${humanDuration((now - i.startedAt) / 1000)} and nobody has acknowledged it.`);
      break;
    case 'incident.acknowledged':
      title = `ACK ${who} by ${i.acknowledgedBy ?? 'someone'}`;
      severity = 'info';
      lines.push(`${who}: acknowledged by ${i.acknowledgedBy ?? 'someone'} at ${iso(i.acknowledgedAt ?? now)}.`);
      break;
    case 'incident.resolved':
      title = `RESOLVED ${who} after ${humanDuration(((i.resolvedAt ?? now) - i.startedAt) / 1000)}`;
      severity = 'info';
      lines.push(`${who}: recovered at ${iso(i.resolvedAt ?? now)}; down since ${iso(i.startedAt)}.`);
      break;
    case 'sla.burn_rate':
    case 'sla.projected_breach':
      ({ title, severity } = warningTitle(i, event, opts.warning));
      lines.push(...warningLines(opts.warning));
      break;
  }
  if (i.members.length > 0 && event !== 'incident.resolved') lines.push(`Members down: ${i.members.join(', ')}.`);
  if (links.ackUrl && (event === 'incident.opened' || event === 'incident.escalated')) lines.push(`Acknowledge: ${links.ackUrl}`);
  return {
    event,
    title,
    text: lines.join('\n'),
    severity,
    client: i.client,
    service: i.kind === 'site-unreachable' ? (i.site ?? i.service) : i.service,
    priority: i.priority,
    incident: {
      id: i.id,
      kind: i.kind,
      status: i.status === 'resolved' ? 'resolved' : i.acknowledgedAt !== null ? 'acknowledged' : 'open',
      startedAt: iso(i.startedAt),
      detectedAt: iso(i.detectedAt),
      ...(i.acknowledgedAt !== null ? { acknowledgedAt: iso(i.acknowledgedAt), acknowledgedBy: i.acknowledgedBy ?? '' } : {}),
      ...(i.resolvedAt !== null ? { resolvedAt: iso(i.resolvedAt), durationSeconds: (i.resolvedAt - i.startedAt) / 1000 } : {}),
      ...(i.members.length > 0 ? { membersDown: i.members } : {}),
      ...(i.site ? { site: i.site } : {}),
    },
    ...(opts.level !== undefined ? { escalationLevel: opts.level } : {}),
    ...(links.ackUrl ? { ackUrl: links.ackUrl } : {}),
    ...(links.incidentUrl ? { incidentUrl: links.incidentUrl } : {}),
    sentAt: iso(now),
  };
}

function warningTitle(i: IncidentRow, event: NotificationEvent, w: WarningFacts | undefined): { title: string; severity: Severity } {
  const who = `${i.client}/${i.service}`;
  if (event === 'sla.projected_breach') {
    const t = w?.timeToBreachSeconds;
    const when =
      t === null || t === undefined
        ? 'before the period ends'
        : t <= 0
          ? 'now: the error budget is used up'
          : `in about ${humanDuration(t)} at the current rate`;
    return { title: `${who} will breach ${w?.target ?? '?'} % ${when}`, severity: 'warning' };
  }
  const b = w?.burn;
  const fast = b ? b.threshold >= 6 : false;
  return {
    title: `${fast ? 'FAST' : 'SLOW'} BURN ${who}: error budget burning ${b ? b.rate.toFixed(1) : '?'}× over ${b?.window ?? '?'}`,
    severity: fast ? 'critical' : 'warning',
  };
}

function warningLines(w: WarningFacts | undefined): string[] {
  if (!w) return [];
  const pct = (v: number | null) => (v === null ? '—' : `${v.toFixed(3)} %`);
  const out = [`Target ${w.target} %, to date ${pct(w.availabilityPercent)}, projected end of period ${pct(w.projectedAvailabilityPercent)}.`];
  if (w.timeToBreachSeconds !== null && w.timeToBreachSeconds > 0)
    out.push(`At the last 24 h's rate the error budget is gone in about ${humanDuration(w.timeToBreachSeconds)} of measured time.`);
  if (w.burn) out.push(`Burn rate ${w.burn.rate.toFixed(2)} over ${w.burn.window} (alert at ${w.burn.threshold}).`);
  return out;
}
