import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { SettingsStore } from '../store/types.js';

/**
 * Signed, expiring, client-scoped links to a report's HTML (for an email or a PSA ticket): HMAC
 * over client, period and expiry with a key kept in the store's settings; nothing else opens it.
 */
export class ReportLinks {
  private constructor(private readonly key: Buffer) {}

  static async from(settings: SettingsStore): Promise<ReportLinks> {
    const kept = (await settings.get('report_link_secret')) ?? (await settings.putIfAbsent('report_link_secret', randomBytes(32).toString('base64')));
    return new ReportLinks(Buffer.from(kept, 'base64'));
  }

  private mac(client: string, period: string, exp: number): string {
    return createHmac('sha256', this.key).update(`${client}\n${period}\n${exp}`).digest('base64url');
  }

  /** The path and query of a link valid until `exp` (ms). */
  path(client: string, period: string, exp: number): string {
    const q = new URLSearchParams({ period, exp: String(exp), sig: this.mac(client, period, exp) });
    return `/reports/${encodeURIComponent(client)}?${q}`;
  }

  verify(client: string, period: string | undefined, exp: string | undefined, sig: string | undefined, now: number): 'ok' | 'expired' | 'invalid' {
    if (!period || !exp || !sig || !/^\d{1,16}$/.test(exp)) return 'invalid';
    const want = Buffer.from(this.mac(client, period, Number(exp)));
    const got = Buffer.from(sig);
    if (want.length !== got.length || !timingSafeEqual(want, got)) return 'invalid';
    return Number(exp) <= now ? 'expired' : 'ok';
  }
}
