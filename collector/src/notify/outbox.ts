import { randomUUID } from 'node:crypto';
import type { Clock } from '../../../shared/clock.js';
import type { Logger } from '../../../shared/logger.js';
import type { ClaimedDelivery, OutboxStore } from '../store/types.js';
import { routeMatches, type Channel, type ChannelRoute, type DeliveryResult, type NotificationMessage } from './channel.js';

/** A configured channel: how to send, what it receives, how long one attempt may take. */
export interface RoutedChannel {
  channel: Channel;
  route: ChannelRoute;
  timeoutMs: number;
}

export interface OutboxObserver {
  attempted?(channel: string, result: 'delivered' | 'retry' | 'failed'): void;
  /** A delivery reached a final state (for the incident's audit trail). */
  settled?(incidentId: number, key: string, channel: string, delivered: boolean, at: number, attempts: number, error?: string): void | Promise<void>;
}

const MAX_BACKOFF_MS = 300_000;
const MAX_RETRY_AFTER_MS = 3_600_000;
/** A claim outlives the longest attempt by this much; after that a dead worker's row is sent again. */
const LEASE_MARGIN_MS = 15_000;
const CLAIM_LIMIT = 100;

/**
 * Durable outbox: deliveries are rows first, sent after, so a restart resumes what is
 * pending. One row per (incident, key, channel) — the UNIQUE key is the deduplication;
 * the delivery id (`X-Vigil-Delivery`) stays the same across retries so receivers can drop
 * a duplicate whose first attempt did arrive. A worker claims due rows for a lease, so two
 * collectors never send one row at once; a row claimed by a worker that died is sent again
 * once its lease runs out (at most once more, with the same id). Rows are sent
 * independently (a hanging or failing channel never holds up another), but in order per
 * (incident, channel): a RESOLVED never overtakes its DOWN on the same channel.
 */
export class Outbox {
  private readonly inFlight = new Map<number, Promise<void>>();
  private timer: NodeJS.Timeout | undefined;
  private readonly byName: Map<string, RoutedChannel>;
  private readonly worker = randomUUID();
  private readonly leaseMs: number;
  private ticking: Promise<void> | undefined;

  constructor(
    private readonly store: OutboxStore,
    channels: readonly RoutedChannel[],
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly retry: { maxAttempts: number; baseDelayMs: number },
    private readonly observer: OutboxObserver = {},
    private readonly random: () => number = Math.random,
  ) {
    this.byName = new Map(channels.map((c) => [c.channel.name, c]));
    this.leaseMs = Math.max(0, ...channels.map((c) => c.timeoutMs)) + LEASE_MARGIN_MS;
  }

  /**
   * Queues `msg` once per routed channel (or only `channels`, when given); `key` is the
   * dedupe key within the incident (`incident.opened`, `incident.escalated#2` …).
   * Returns the channels it was queued for now (not those that had it already).
   */
  async enqueue(incidentId: number, key: string, msg: NotificationMessage, channels?: readonly string[]): Promise<string[]> {
    const now = this.clock.now();
    const queued: string[] = [];
    const body = JSON.stringify(msg);
    for (const rc of this.byName.values()) {
      if (channels ? !channels.includes(rc.channel.name) : !routeMatches(rc.route, msg)) continue;
      if (await this.store.enqueue(incidentId, key, rc.channel.name, body, now)) queued.push(rc.channel.name);
    }
    if (queued.length > 0) void this.tick().catch((err: unknown) => this.logger.error({ err }, 'outbox tick failed'));
    return queued;
  }

  /** Whether a channel takes this kind of event at all (its `events` filter). */
  takesEvent(channel: string, event: NotificationMessage['event']): boolean {
    const events = this.byName.get(channel)?.route.events;
    return !events || events.includes(event);
  }

  start(intervalMs = 250): void {
    this.timer = setInterval(
      () => void this.tick().catch((err: unknown) => this.logger.warn({ err: (err as Error).message }, 'outbox tick failed')),
      intervalMs,
    );
    this.timer.unref();
  }

  /** Stops polling and waits (bounded) for attempts in flight, so none is cut off mid-write. */
  async stop(graceMs = 2000): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.settle(),
      new Promise((r) => {
        timer = setTimeout(r, graceMs);
      }),
    ]);
    clearTimeout(timer);
  }

  /** Resolves when every attempt in flight now has its result recorded. */
  async settle(): Promise<void> {
    await this.ticking;
    await Promise.all([...this.inFlight.values()]);
  }

  pendingCount(): Promise<number> {
    return this.store.pendingCount();
  }

  /** Claims and sends every due delivery; resolves when this round's attempts are done. One claim round at a time. */
  tick(): Promise<void> {
    if (this.ticking) return this.ticking;
    const round = (async () => {
      const due = await this.store.claimDue(this.clock.now(), [...this.byName.keys()], this.worker, this.leaseMs, CLAIM_LIMIT);
      return due
        .filter((d) => !this.inFlight.has(d.id))
        .map((d) => {
          const p = this.deliver(d);
          this.inFlight.set(d.id, p);
          return p;
        });
    })();
    this.ticking = round
      .then(
        () => undefined,
        () => undefined,
      )
      .finally(() => {
        this.ticking = undefined;
      });
    return round.then((sends) => Promise.all(sends)).then(() => undefined);
  }

  private async deliver(d: ClaimedDelivery): Promise<void> {
    const rc = this.byName.get(d.channel)!;
    try {
      const msg = JSON.parse(d.body) as NotificationMessage;
      let res: DeliveryResult;
      try {
        res = await rc.channel.send(msg, `${d.incidentId}-${d.event}-${d.channel}`, AbortSignal.timeout(rc.timeoutMs));
      } catch (e) {
        res = { ok: false, error: `channel threw: ${(e as Error).message}` };
      }
      await this.record(d, res);
    } catch (err) {
      // the result could not be written (database away): the lease runs out and the row is sent again
      this.logger.warn({ incident: d.incidentId, event: d.event, channel: d.channel, err: (err as Error).message }, 'notification result not recorded');
    } finally {
      this.inFlight.delete(d.id);
    }
  }

  private async record(d: ClaimedDelivery, res: DeliveryResult): Promise<void> {
    const now = this.clock.now();
    const attempts = d.attempts + 1;
    if (res.ok) {
      if (!(await this.store.settle(d.id, d.claim, { status: 'delivered', at: now, error: null }))) return this.lostClaim(d);
      this.logger.info({ incident: d.incidentId, event: d.event, channel: d.channel, attempts }, 'notification delivered');
      this.observer.attempted?.(d.channel, 'delivered');
      await this.observer.settled?.(d.incidentId, d.event, d.channel, true, now, attempts);
      return;
    }
    const giveUp = res.permanent === true || attempts >= this.retry.maxAttempts;
    const backoff = Math.min(this.retry.baseDelayMs * 2 ** (attempts - 1), MAX_BACKOFF_MS) * (0.8 + this.random() * 0.4);
    const wait = res.retryAfterMs !== undefined ? Math.min(Math.max(res.retryAfterMs, 0), MAX_RETRY_AFTER_MS) : backoff;
    const error = res.error ?? `status ${res.status ?? '?'}`;
    if (!(await this.store.settle(d.id, d.claim, { status: giveUp ? 'failed' : 'pending', at: now, nextAttemptAt: Math.round(now + wait), error })))
      return this.lostClaim(d);
    this.logger.warn(
      { incident: d.incidentId, event: d.event, channel: d.channel, attempts, error: res.error, status: res.status, giveUp },
      'notification not delivered',
    );
    this.observer.attempted?.(d.channel, giveUp ? 'failed' : 'retry');
    if (giveUp) await this.observer.settled?.(d.incidentId, d.event, d.channel, false, now, attempts, res.error);
  }

  private lostClaim(d: ClaimedDelivery): void {
    this.logger.warn(
      { incident: d.incidentId, event: d.event, channel: d.channel },
      'notification claim expired before its result was recorded; another worker owns it',
    );
  }
}
