import type { Channel, DeliveryResult, NotificationMessage } from '../../../collector/src/notify/channel.js';
import type { RoutedChannel } from '../../../collector/src/notify/outbox.js';

/**
 * An in-process Channel that records what it is asked to send. It stands for the
 * channel implementations (tested against real receivers in tests/integration/notify)
 * so these tests can look at incident logic alone. `behave` decides each attempt.
 */
export function testChannel(
  name: string,
  behave: (attempt: number, msg: NotificationMessage, signal: AbortSignal) => Promise<DeliveryResult> | DeliveryResult = () => ({ ok: true }),
  route: RoutedChannel['route'] = {},
  timeoutMs = 1000,
) {
  const attempts: Array<{ key: string; event: string; deliveryId: string }> = [];
  const delivered: NotificationMessage[] = [];
  const channel: Channel = {
    name,
    type: 'test',
    async send(msg, deliveryId, signal) {
      attempts.push({ key: deliveryId, event: msg.event, deliveryId });
      const r = await behave(attempts.length, msg, signal);
      if (r.ok) delivered.push(msg);
      return r;
    },
  };
  return { routed: { channel, route, timeoutMs } satisfies RoutedChannel, attempts, delivered, events: () => delivered.map((m) => m.event) };
}

/** Resolves only when the attempt is aborted (a receiver that hangs). */
export const hang = (signal: AbortSignal): Promise<DeliveryResult> =>
  new Promise((resolve) => signal.addEventListener('abort', () => resolve({ ok: false, error: 'timed out' }), { once: true }));
