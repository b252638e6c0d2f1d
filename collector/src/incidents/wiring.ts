import type { Database } from 'better-sqlite3';
import type { Clock } from '../../../shared/clock.js';
import type { Logger } from '../../../shared/logger.js';
import type { SlaDefinition } from '../../../shared/sla/types.js';
import type { CollectorConfig } from '../config.js';
import { buildChannels } from '../notify/channel-config.js';
import type { CollectorMetrics } from '../metrics.js';
import { Outbox, type OutboxObserver, type RoutedChannel } from '../notify/outbox.js';
import { AckLinks } from './ack-link.js';
import { EarlyWarning, type CurrentFigures } from './early-warning.js';
import { Escalator } from './escalation.js';
import { IncidentStore } from './incident-store.js';
import { IncidentNotifier } from './notifier.js';
import { IncidentRecorder } from './recorder.js';

export interface Incidents {
  store: IncidentStore;
  links: AckLinks;
  outbox: Outbox;
  notifier: IncidentNotifier;
  recorder: IncidentRecorder;
  escalator: Escalator;
  earlyWarning: EarlyWarning;
}

/** Channels with their routes and timeouts, from the collector config. */
export function routedChannels(config: CollectorConfig): RoutedChannel[] {
  return buildChannels(config.channels).map((c) => ({ channel: c, route: c.route, timeoutMs: c.timeoutMs }));
}

/** Everything behind incidents and notifications, wired once per collector. */
export function buildIncidents(deps: {
  db: Database; config: CollectorConfig; clock: Clock; logger: Logger; definitions: () => readonly SlaDefinition[];
  figures: CurrentFigures; metrics?: Pick<CollectorMetrics, 'notificationAttempt' | 'incidentNotified'>; channels?: RoutedChannel[];
}): Incidents {
  const { db, config, clock, logger, definitions, metrics } = deps;
  const store = new IncidentStore(db);
  const deliveredOpenings = db.prepare(`SELECT COUNT(*) AS n FROM deliveries WHERE incident_id = ? AND event = 'incident.opened' AND status = 'delivered'`);
  const observer: OutboxObserver = {
    attempted: (channel, result) => metrics?.notificationAttempt(channel, result),
    settled(incidentId, key, channel, delivered, at, attempts, error) {
      store.audit(incidentId, at, delivered ? 'notification-delivered' : 'notification-failed', null, { event: key, channel, attempts, ...(error ? { error } : {}) });
      // time to notify is the first delivered opening, once per incident
      if (delivered && key === 'incident.opened' && (deliveredOpenings.get(incidentId) as { n: number }).n === 1) {
        const i = store.get(incidentId);
        if (i) metrics?.incidentNotified((at - i.startedAt) / 1000);
      }
    },
  };
  const outbox = new Outbox(db, deps.channels ?? routedChannels(config), clock, logger, { maxAttempts: config.retryMaxAttempts, baseDelayMs: config.retryBaseDelayMs }, observer);
  const links = new AckLinks(AckLinks.secretFrom(db, config.ackSecret), config.publicUrl);
  const notifier = new IncidentNotifier(store, outbox, clock, links, config.publicUrl, db);
  const recorder = new IncidentRecorder(store, notifier, clock, logger, definitions);
  const escalator = new Escalator(store, notifier, clock, logger, config.escalation);
  const earlyWarning = new EarlyWarning(store, notifier, clock, logger, definitions, deps.figures);
  return { store, links, outbox, notifier, recorder, escalator, earlyWarning };
}
