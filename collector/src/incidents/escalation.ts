import type { Clock } from '../../../shared/clock.js';
import type { Logger } from '../../../shared/logger.js';
import type { IncidentStore } from '../store/types.js';
import type { IncidentNotifier } from './notifier.js';

export interface EscalationRule {
  /** Escalate when the incident is still unacknowledged this long after detection. */
  afterMs: number;
  /** Only incidents of these priorities (default: all). */
  priorities?: string[];
  /** Where to escalate, whatever those channels' filters (default: the channels already told of the incident that take escalations). */
  channels?: string[];
}

/**
 * Escalation of unacknowledged outages. The rules that apply to an incident's priority,
 * in config order, are its levels 1, 2 …; each level fires once (the level is stored, so a
 * restart neither repeats nor skips one). Acknowledgement, resolution and maintenance mute stop it.
 */
export class Escalator {
  constructor(
    private readonly incidents: IncidentStore,
    private readonly notifier: IncidentNotifier,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly rules: readonly EscalationRule[],
  ) {}

  async sweep(): Promise<void> {
    if (this.rules.length === 0) return;
    const now = this.clock.now();
    for (const i of await this.incidents.listOpen()) {
      if (i.muted || i.acknowledgedAt !== null || (i.kind !== 'service-down' && i.kind !== 'site-unreachable')) continue;
      const levels = this.rules.filter((r) => !r.priorities || r.priorities.includes(i.priority));
      for (let level = i.escalationLevel + 1; level <= levels.length; level++) {
        const rule = levels[level - 1]!;
        if (now - i.detectedAt < rule.afterMs) break;
        if (!(await this.incidents.escalate(i.id, now, level))) break;
        const current = (await this.incidents.get(i.id))!;
        const key = `incident.escalated#${level}`;
        // channels named in the rule get it whatever their filters; otherwise those already told that take escalations
        const sent = rule.channels
          ? await this.notifier.send(current, 'incident.escalated', key, { to: rule.channels, level })
          : await this.notifier.followUp(current, 'incident.escalated', key, { level });
        this.logger.warn({ incident: i.id, level, channels: sent }, 'incident escalated');
      }
    }
  }
}
