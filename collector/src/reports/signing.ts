import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import { canonicalJson, type ReportSignature, sha256Hex } from '../../../shared/report/canonical.js';
import type { SettingsStore } from '../store/types.js';

/**
 * The collector's Ed25519 report-signing key: from `security.reportKeyFile` / VIGIL_REPORT_KEY
 * (PKCS#8 PEM) when set, else generated once and kept in the store's settings. Its public half is
 * served at GET /api/v1/reports/public-key for `vigil report verify`.
 */
export class ReportSigner {
  private constructor(private readonly key: KeyObject) {}

  static async from(settings: SettingsStore, pem: string | undefined): Promise<ReportSigner> {
    if (pem) return new ReportSigner(createPrivateKey(pem));
    const kept =
      (await settings.get('report_signing_key')) ??
      (await settings.putIfAbsent('report_signing_key', generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()));
    return new ReportSigner(createPrivateKey(kept));
  }

  /** The public key, PEM. */
  get publicKeyPem(): string {
    return createPublicKey(this.key).export({ type: 'spki', format: 'pem' }).toString();
  }

  /** Signs the canonical JSON of `body` (which has no `signature`). */
  sign(body: Record<string, unknown>): ReportSignature {
    const bytes = canonicalJson(body);
    return {
      algorithm: 'ed25519',
      sha256: sha256Hex(bytes),
      value: sign(null, Buffer.from(bytes), this.key).toString('base64'),
      publicKey: (createPublicKey(this.key).export({ type: 'spki', format: 'der' }) as Buffer).toString('base64'),
    };
  }
}
