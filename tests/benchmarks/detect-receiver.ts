import { createServer, type Server } from 'node:http';
import { freePort } from '../helpers/net.js';

/** One "it is down" notification as it arrived at the bench. */
export interface Receipt {
  /** Target name (Vigil: the SLA service id; reference: the `target` label). */
  target: string;
  /** Wall-clock receive time (ms). */
  at: number;
  /** Alertmanager only: the alert's startsAt (Prometheus' firing time), ms. */
  startsAt?: number;
}

/** Who sent a receipt: Vigil as configured by default, the second Vigil without re-probe, the reference. */
export type Side = 'vigil' | 'vigilNoReprobe' | 'reference';

/**
 * The bench's webhook receiver: POST /vigil (and /vigil-no-reprobe, the second Vigil
 * instance) takes Vigil's webhook (old shape
 * `{event: "service.down", incident: {service}}` or the NotificationMessage shape
 * `{event: "incident.opened", service, incident: {kind}}`), POST /alertmanager takes
 * Alertmanager's webhook. Only "down" notifications are kept; each is timed on arrival,
 * before the body is parsed.
 */
export class HookReceiver {
  readonly vigil: Receipt[] = [];
  readonly vigilNoReprobe: Receipt[] = [];
  readonly reference: Receipt[] = [];
  private server: Server | undefined;
  url = '';
  /** Called on each kept receipt (progress output). */
  onReceipt: (side: Side, r: Receipt) => void = () => undefined;

  async start(): Promise<void> {
    const port = await freePort();
    this.url = `http://127.0.0.1:${port}`;
    this.server = createServer((req, res) => {
      const at = Date.now();
      let body = '';
      req.on('data', (d: Buffer) => (body += d));
      req.on('end', () => {
        res.end();
        try {
          if (req.url === '/vigil') this.onVigil(this.vigil, 'vigil', JSON.parse(body), at);
          else if (req.url === '/vigil-no-reprobe') this.onVigil(this.vigilNoReprobe, 'vigilNoReprobe', JSON.parse(body), at);
          else if (req.url === '/alertmanager') this.onAlertmanager(JSON.parse(body), at);
        } catch {
          // not JSON: not a notification we time
        }
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(port, '127.0.0.1', () => resolve()));
  }

  async stop(): Promise<void> {
    const s = this.server;
    if (!s) return;
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }

  /** First receipt for `target` at or after `since`. */
  static first(list: readonly Receipt[], target: string, since: number): Receipt | undefined {
    return list.filter((r) => r.target === target && r.at >= since).sort((a, b) => a.at - b.at)[0];
  }

  private onVigil(list: Receipt[], side: Side, b: { event?: string; service?: string; incident?: { service?: string; kind?: string } }, at: number): void {
    const down = b.event === 'service.down' || (b.event === 'incident.opened' && (b.incident?.kind ?? 'service-down') === 'service-down');
    const target = b.service ?? b.incident?.service;
    if (!down || !target) return;
    list.push({ target, at });
    this.onReceipt(side, { target, at });
  }

  private onAlertmanager(b: { alerts?: Array<{ status?: string; labels?: Record<string, string>; startsAt?: string }> }, at: number): void {
    for (const a of b.alerts ?? []) {
      const target = a.labels?.target;
      if (a.status !== 'firing' || !target) continue;
      const r: Receipt = { target, at, ...(a.startsAt ? { startsAt: Date.parse(a.startsAt) } : {}) };
      this.reference.push(r);
      this.onReceipt('reference', r);
    }
  }
}
