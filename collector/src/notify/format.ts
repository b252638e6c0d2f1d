import type { NotificationEvent, NotificationMessage } from './channel.js';

/**
 * Formatting shared by the channels, so Slack, Teams, e-mail and PSA tickets say the same
 * thing in the same words and colours. The engine already wrote `title` and `text`; this
 * adds the structured parts (facts, tone, times) each channel lays out in its own way.
 */

/** How a message should look: a resolved or acknowledged incident is no longer alarming. */
export type Tone = 'critical' | 'warning' | 'info' | 'acknowledged' | 'resolved';

export interface ToneStyle {
  emoji: string;
  /** For HTML (e-mail). */
  colour: string;
  /** Adaptive Card container style (Teams). */
  containerStyle: 'attention' | 'warning' | 'accent' | 'emphasis' | 'good';
  /** Adaptive Card text colour (Teams). */
  textColour: 'attention' | 'warning' | 'accent' | 'default' | 'good';
}

const TONES: Readonly<Record<Tone, ToneStyle>> = {
  critical: { emoji: '🔴', colour: '#D13438', containerStyle: 'attention', textColour: 'attention' },
  warning: { emoji: '🟠', colour: '#E8A317', containerStyle: 'warning', textColour: 'warning' },
  info: { emoji: '🔵', colour: '#0078D4', containerStyle: 'accent', textColour: 'accent' },
  acknowledged: { emoji: '👀', colour: '#6B7280', containerStyle: 'emphasis', textColour: 'default' },
  resolved: { emoji: '✅', colour: '#2E9E5B', containerStyle: 'good', textColour: 'good' },
};

export function toneOf(msg: Pick<NotificationMessage, 'event' | 'severity'>): Tone {
  if (msg.event === 'incident.resolved') return 'resolved';
  if (msg.event === 'incident.acknowledged') return 'acknowledged';
  return msg.severity;
}

export function toneStyle(msg: Pick<NotificationMessage, 'event' | 'severity'>): ToneStyle {
  return TONES[toneOf(msg)];
}

const EVENT_LABELS: Readonly<Record<NotificationEvent, string>> = {
  'incident.opened': 'Incident opened',
  'incident.escalated': 'Incident escalated',
  'incident.acknowledged': 'Incident acknowledged',
  'incident.resolved': 'Incident resolved',
  'sla.burn_rate': 'SLA error budget burning fast',
  'sla.projected_breach': 'SLA breach projected',
};

export function eventLabel(msg: Pick<NotificationMessage, 'event' | 'escalationLevel'>): string {
  const base = EVENT_LABELS[msg.event];
  return msg.event === 'incident.escalated' && msg.escalationLevel !== undefined ? `${base} (level ${msg.escalationLevel})` : base;
}

/** UTC, to the second: the collector does not know each reader's zone, and UTC is unambiguous. */
export function formatTime(iso: string): string {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return iso;
  return `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

/** 42s, 5m 03s, 2h 05m, 3d 4h. */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const pad = (n: number) => String(n).padStart(2, '0');
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${pad(s % 60)}s`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h ${pad(Math.floor((s % 3600) / 60))}m`;
  return `${Math.floor(s / 86_400)}d ${Math.floor((s % 86_400) / 3600)}h`;
}

export interface Fact {
  label: string;
  value: string;
}

/** The key facts of a message, in reading order; absent values are left out. */
export function messageFacts(msg: NotificationMessage): Fact[] {
  const i = msg.incident;
  const facts: Array<[string, string | undefined]> = [
    ['Client', msg.client],
    [i.kind === 'site-unreachable' ? 'Site' : 'Service', msg.service],
    ['Priority', msg.priority],
    ['Severity', msg.severity],
    ['Incident', `#${i.id} (${i.status})`],
    ['Started', formatTime(i.startedAt)],
    ['Detected', formatTime(i.detectedAt)],
    ['Acknowledged', i.acknowledgedAt ? `${formatTime(i.acknowledgedAt)}${i.acknowledgedBy ? ` by ${i.acknowledgedBy}` : ''}` : undefined],
    ['Resolved', i.resolvedAt ? formatTime(i.resolvedAt) : undefined],
    ['Duration', i.durationSeconds !== undefined ? formatDuration(i.durationSeconds) : undefined],
    ['Members down', i.membersDown && i.membersDown.length > 0 ? i.membersDown.join(', ') : undefined],
    ['Escalation level', msg.escalationLevel !== undefined ? String(msg.escalationLevel) : undefined],
  ];
  return facts.filter((f): f is [string, string] => f[1] !== undefined && f[1] !== '').map(([label, value]) => ({ label, value }));
}

/** Cuts to at most `max` characters, marking the cut, because receivers reject over-long fields. */
export function truncate(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, Math.max(0, max - 1))}…`;
}

export function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/** The acknowledge link, unless the incident is already acknowledged or over. */
export function ackLink(msg: Pick<NotificationMessage, 'event' | 'ackUrl'>): string | undefined {
  return msg.event === 'incident.resolved' || msg.event === 'incident.acknowledged' ? undefined : msg.ackUrl;
}

/** Lines of the engine's text, without blank ones, at most `max` of them. */
export function textLines(text: string, max = 40): string[] {
  const lines = text
    .split(/\r?\n/)
    .map((l) => l.trimEnd())
    .filter((l) => l.trim() !== '');
  return lines.length <= max ? lines : [...lines.slice(0, max - 1), `… (${lines.length - max + 1} more lines)`];
}
