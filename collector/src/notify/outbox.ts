import type { Database } from 'better-sqlite3';
import type { Clock } from '../../../shared/clock.js';
import type { Logger } from '../../../shared/logger.js';
import { sendWebhook, type WebhookChannel } from './webhook.js';

interface DeliveryRow { id: number; incident_id: number; event: string; channel: string; body: string; attempts: number }

/**
 * Durable outbox: deliveries are rows first, sent after. A restart picks up what is
 * pending. One row per (incident, event, channel) — the UNIQUE key is the dedupe. Each
 * due row is sent independently, so a hanging or failing channel never holds up others.
 */
export class Outbox {
  private readonly inFlight = new Set<number>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly db: Database,
    private readonly channels: readonly WebhookChannel[],
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly retry: { maxAttempts: number; baseDelayMs: number },
  ) {}

  enqueue(incidentId: number, event: string, body: object, channelFilter: (ch: WebhookChannel) => boolean): void {
    const now = this.clock.now();
    const insert = this.db.prepare(
      `INSERT OR IGNORE INTO deliveries (incident_id, event, channel, body, status, next_attempt_at, created_at) VALUES (?, ?, ?, ?, 'pending', ?, ?)`,
    );
    for (const ch of this.channels.filter(channelFilter)) insert.run(incidentId, event, ch.name, JSON.stringify({ ...body, channel: ch.name }), now, now);
    void this.tick();
  }

  start(intervalMs = 250): void {
    this.timer = setInterval(() => void this.tick(), intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
  }

  /** Sends every due delivery not already in flight; resolves when this round is done. */
  async tick(): Promise<void> {
    const due = this.db
      .prepare(`SELECT id, incident_id, event, channel, body, attempts FROM deliveries WHERE status = 'pending' AND next_attempt_at <= ? ORDER BY id`)
      .all(this.clock.now()) as DeliveryRow[];
    await Promise.all(due.filter((d) => !this.inFlight.has(d.id)).map((d) => this.deliver(d)));
  }

  private async deliver(d: DeliveryRow): Promise<void> {
    const ch = this.channels.find((c) => c.name === d.channel);
    if (!ch) return;
    this.inFlight.add(d.id);
    try {
      const res = await sendWebhook(ch, `${d.incident_id}-${d.event}-${d.channel}`, d.body);
      const now = this.clock.now();
      const attempts = d.attempts + 1;
      if (res.ok) {
        this.db.prepare(`UPDATE deliveries SET status = 'delivered', attempts = ?, delivered_at = ?, last_error = NULL WHERE id = ?`).run(attempts, now, d.id);
        this.logger.info({ incident: d.incident_id, event: d.event, channel: d.channel }, 'notification delivered');
        return;
      }
      const giveUp = attempts >= this.retry.maxAttempts;
      const backoff = Math.min(this.retry.baseDelayMs * 2 ** (attempts - 1), 300_000) * (0.8 + Math.random() * 0.4);
      this.db.prepare(`UPDATE deliveries SET status = ?, attempts = ?, next_attempt_at = ?, last_error = ? WHERE id = ?`)
        .run(giveUp ? 'failed' : 'pending', attempts, now + (res.retryAfterMs ?? backoff), res.error ?? null, d.id);
      this.logger.warn({ incident: d.incident_id, channel: d.channel, attempts, error: res.error, giveUp }, 'notification not delivered');
    } finally {
      this.inFlight.delete(d.id);
    }
  }
}
