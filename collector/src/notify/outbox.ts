import type { Database } from 'better-sqlite3';
import type { Clock } from '../../../shared/clock.js';
import type { Logger } from '../../../shared/logger.js';
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
  settled?(incidentId: number, key: string, channel: string, delivered: boolean, at: number, attempts: number, error?: string): void;
}

interface DeliveryRow { id: number; incident_id: number; event: string; channel: string; body: string; attempts: number }

const MAX_BACKOFF_MS = 300_000;
const MAX_RETRY_AFTER_MS = 3_600_000;

/**
 * Durable outbox: deliveries are rows first, sent after, so a restart resumes what is
 * pending. One row per (incident, key, channel) — the UNIQUE key is the deduplication;
 * `X-Vigil-Delivery`-style ids stay the same across retries so receivers can drop a
 * duplicate whose first attempt did arrive. Rows are sent independently (a hanging or
 * failing channel never holds up another), but in order per (incident, channel): a
 * RESOLVED never overtakes its DOWN on the same channel.
 */
export class Outbox {
  private readonly inFlight = new Map<number, Promise<void>>();
  private timer: NodeJS.Timeout | undefined;
  private readonly byName: Map<string, RoutedChannel>;
  private readonly due;
  private readonly insert;

  constructor(
    private readonly db: Database,
    channels: readonly RoutedChannel[],
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly retry: { maxAttempts: number; baseDelayMs: number },
    private readonly observer: OutboxObserver = {},
    private readonly random: () => number = Math.random,
  ) {
    this.byName = new Map(channels.map((c) => [c.channel.name, c]));
    this.due = db.prepare(`SELECT d.id, d.incident_id, d.event, d.channel, d.body, d.attempts FROM deliveries d
      WHERE d.status = 'pending' AND d.next_attempt_at <= ?
        AND NOT EXISTS (SELECT 1 FROM deliveries e WHERE e.status = 'pending' AND e.incident_id = d.incident_id AND e.channel = d.channel AND e.id < d.id)
      ORDER BY d.id`);
    this.insert = db.prepare(`INSERT OR IGNORE INTO deliveries (incident_id, event, channel, body, status, next_attempt_at, created_at) VALUES (?, ?, ?, ?, 'pending', ?, ?)`);
  }

  /**
   * Queues `msg` once per routed channel (or only `channels`, when given); `key` is the
   * dedupe key within the incident (`incident.opened`, `incident.escalated#2` …).
   * Returns the channels it was queued for now (not those that had it already).
   */
  enqueue(incidentId: number, key: string, msg: NotificationMessage, channels?: readonly string[]): string[] {
    const now = this.clock.now();
    const queued: string[] = [];
    for (const rc of this.byName.values()) {
      if (channels ? !channels.includes(rc.channel.name) : !routeMatches(rc.route, msg)) continue;
      if (this.insert.run(incidentId, key, rc.channel.name, JSON.stringify(msg), now, now).changes > 0) queued.push(rc.channel.name);
    }
    if (queued.length > 0) void this.tick();
    return queued;
  }

  /** Whether a channel takes this kind of event at all (its `events` filter). */
  takesEvent(channel: string, event: NotificationMessage['event']): boolean {
    const events = this.byName.get(channel)?.route.events;
    return !events || events.includes(event);
  }

  start(intervalMs = 250): void {
    this.timer = setInterval(() => void this.tick(), intervalMs);
    this.timer.unref();
  }

  /** Stops polling and waits (bounded) for attempts in flight, so none is cut off mid-write. */
  async stop(graceMs = 2000): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.settle(), new Promise((r) => { timer = setTimeout(r, graceMs); })]);
    clearTimeout(timer);
  }

  /** Resolves when every attempt in flight now has its result recorded. */
  async settle(): Promise<void> {
    await Promise.all([...this.inFlight.values()]);
  }

  pendingCount(): number {
    return (this.db.prepare(`SELECT COUNT(*) AS n FROM deliveries WHERE status = 'pending'`).get() as { n: number }).n;
  }

  /** Sends every due delivery not already in flight; resolves when this round's attempts are done. */
  async tick(): Promise<void> {
    const due = (this.due.all(this.clock.now()) as DeliveryRow[]).filter((d) => !this.inFlight.has(d.id) && this.byName.has(d.channel));
    await Promise.all(due.map((d) => {
      const p = this.deliver(d);
      this.inFlight.set(d.id, p);
      return p;
    }));
  }

  private async deliver(d: DeliveryRow): Promise<void> {
    // a channel removed from the config is filtered out above: its rows wait, visible in the API
    const rc = this.byName.get(d.channel)!;
    try {
      const msg = JSON.parse(d.body) as NotificationMessage;
      let res: DeliveryResult;
      try {
        res = await rc.channel.send(msg, `${d.incident_id}-${d.event}-${d.channel}`, AbortSignal.timeout(rc.timeoutMs));
      } catch (e) {
        res = { ok: false, error: `channel threw: ${(e as Error).message}` };
      }
      this.record(d, res);
    } finally {
      this.inFlight.delete(d.id);
    }
  }

  private record(d: DeliveryRow, res: DeliveryResult): void {
    const now = this.clock.now();
    const attempts = d.attempts + 1;
    if (res.ok) {
      this.db.prepare(`UPDATE deliveries SET status = 'delivered', attempts = ?, delivered_at = ?, last_error = NULL WHERE id = ?`).run(attempts, now, d.id);
      this.logger.info({ incident: d.incident_id, event: d.event, channel: d.channel, attempts }, 'notification delivered');
      this.observer.attempted?.(d.channel, 'delivered');
      this.observer.settled?.(d.incident_id, d.event, d.channel, true, now, attempts);
      return;
    }
    const giveUp = res.permanent === true || attempts >= this.retry.maxAttempts;
    const backoff = Math.min(this.retry.baseDelayMs * 2 ** (attempts - 1), MAX_BACKOFF_MS) * (0.8 + this.random() * 0.4);
    const wait = res.retryAfterMs !== undefined ? Math.min(Math.max(res.retryAfterMs, 0), MAX_RETRY_AFTER_MS) : backoff;
    this.db.prepare(`UPDATE deliveries SET status = ?, attempts = ?, next_attempt_at = ?, last_error = ? WHERE id = ?`)
      .run(giveUp ? 'failed' : 'pending', attempts, now + wait, res.error ?? `status ${res.status ?? '?'}`, d.id);
    this.logger.warn({ incident: d.incident_id, event: d.event, channel: d.channel, attempts, error: res.error, status: res.status, giveUp }, 'notification not delivered');
    this.observer.attempted?.(d.channel, giveUp ? 'failed' : 'retry');
    if (giveUp) this.observer.settled?.(d.incident_id, d.event, d.channel, false, now, attempts, res.error);
  }
}
