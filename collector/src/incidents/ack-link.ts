import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { SettingsStore } from '../store/types.js';

/**
 * One-click acknowledge links carried in notifications. The link names the incident
 * and an expiry and is signed with HMAC-SHA256 under a collector secret, so it needs no
 * login and cannot be forged or reused for another incident. Opening it (GET) shows a
 * confirmation page; only the POST from that page acknowledges — mail scanners and chat
 * link previews fetch links with GET and must not acknowledge anything.
 */
export class AckLinks {
  constructor(
    private readonly secret: Buffer,
    private readonly publicUrl: string | undefined,
    private readonly ttlMs = 7 * 86_400_000,
  ) {}

  /** The configured secret, else one generated once and kept in the database (the first writer wins when collectors race). */
  static async secretFrom(settings: SettingsStore, configured: string | undefined): Promise<Buffer> {
    if (configured) return Buffer.from(configured, 'utf8');
    const kept = (await settings.get('ack_secret')) ?? (await settings.putIfAbsent('ack_secret', randomBytes(32).toString('base64')));
    return Buffer.from(kept, 'base64');
  }

  private sig(incidentId: number, exp: number): string {
    return createHmac('sha256', this.secret).update(`ack.${incidentId}.${exp}`).digest('base64url');
  }

  /** Path and query of the link (`/ack/12?exp=…&sig=…`). */
  path(incidentId: number, now: number): string {
    const exp = Math.floor((now + this.ttlMs) / 1000);
    return `/ack/${incidentId}?exp=${exp}&sig=${this.sig(incidentId, exp)}`;
  }

  /** Full URL, when the collector knows the address people reach it at. */
  url(incidentId: number, now: number): string | undefined {
    return this.publicUrl ? this.publicUrl.replace(/\/$/, '') + this.path(incidentId, now) : undefined;
  }

  verify(incidentId: number, exp: string | undefined, sig: string | undefined, now: number): 'ok' | 'expired' | 'invalid' {
    if (!exp || !sig || !/^\d+$/.test(exp)) return 'invalid';
    const want = Buffer.from(this.sig(incidentId, Number(exp)));
    const got = Buffer.from(sig);
    if (want.length !== got.length || !timingSafeEqual(want, got)) return 'invalid';
    return Number(exp) * 1000 < now ? 'expired' : 'ok';
  }
}
