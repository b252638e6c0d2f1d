import type { Clock } from '../../../shared/clock.js';
import type { Logger } from '../../../shared/logger.js';
import type { SlaDefinition } from '../../../shared/sla/types.js';
import type { CollectorConfig } from '../config.js';
import type { CollectorMetrics } from '../metrics.js';
import { buildChannels } from '../notify/channel-config.js';
import { Outbox, type OutboxObserver, type RoutedChannel } from '../notify/outbox.js';
import type { Store } from '../store/types.js';
import { AckLinks } from './ack-link.js';
import { EarlyWarning, type CurrentFigures } from './early-warning.js';
import { Escalator } from './escalation.js';
import { IncidentNotifier } from './notifier.js';
import { IncidentRecorder } from './recorder.js';

export interface Incidents {
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
export async function buildIncidents(deps: {
  store: Store;
  config: CollectorConfig;
  clock: Clock;
  logger: Logger;
  definitions: () => readonly SlaDefinition[];
  figures: CurrentFigures;
  metrics?: Pick<CollectorMetrics, 'notificationAttempt' | 'incidentNotified'>;
  channels?: RoutedChannel[];
}): Promise<Incidents> {
  const { store, config, clock, logger, definitions, metrics } = deps;
  const observer: OutboxObserver = {
    attempted: (channel, result) => metrics?.notificationAttempt(channel, result),
    async settled(incidentId, key, channel, delivered, at, attempts, error) {
      await store.incidents.audit(incidentId, at, delivered ? 'notification-delivered' : 'notification-failed', null, {
        event: key,
        channel,
        attempts,
        ...(error ? { error } : {}),
      });
      // time to notify is the first delivered opening, once per incident
      if (delivered && key === 'incident.opened' && (await store.outbox.firstDelivered(incidentId, 'incident.opened')).count === 1) {
        const i = await store.incidents.get(incidentId);
        if (i) metrics?.incidentNotified((at - i.startedAt) / 1000);
      }
    },
  };
  const outbox = new Outbox(
    store.outbox,
    deps.channels ?? routedChannels(config),
    clock,
    logger,
    { maxAttempts: config.retryMaxAttempts, baseDelayMs: config.retryBaseDelayMs },
    observer,
  );
  const links = new AckLinks(await AckLinks.secretFrom(store.settings, config.ackSecret), config.publicUrl);
  const notifier = new IncidentNotifier(store.incidents, outbox, clock, links, config.publicUrl, store.outbox);
  const recorder = new IncidentRecorder(store.incidents, notifier, clock, logger, definitions);
  const escalator = new Escalator(store.incidents, notifier, clock, logger, config.escalation);
  const earlyWarning = new EarlyWarning(store.incidents, notifier, clock, logger, definitions, deps.figures);
  return { links, outbox, notifier, recorder, escalator, earlyWarning };
}
