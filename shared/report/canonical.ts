import { createHash, createPublicKey, verify as verifySignature } from 'node:crypto';

/**
 * Canonical JSON of a report (RFC 8785-like for the values a report holds: object keys sorted by
 * code unit, no whitespace, numbers as JavaScript prints them): the bytes the SHA-256 and the
 * Ed25519 signature cover. Anyone can recompute it from the JSON file.
 */
export function canonicalJson(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v) ?? 'null';
  if (Array.isArray(v)) return `[${v.map((x) => (x === undefined ? 'null' : canonicalJson(x))).join(',')}]`;
  const entries = Object.entries(v as Record<string, unknown>)
    .filter(([, x]) => x !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${canonicalJson(x)}`).join(',')}}`;
}

export interface ReportSignature {
  algorithm: 'ed25519';
  /** SHA-256 (hex) of the canonical JSON of the report without its `signature`. */
  sha256: string;
  /** Ed25519 signature of those same bytes, base64. */
  value: string;
  /** The signing key's public half (SPKI DER, base64), for a quick look; verify against a key you trust, not this one. */
  publicKey: string;
}

export const sha256Hex = (s: string): string => createHash('sha256').update(s).digest('hex');

/** The bytes a signed report's signature covers. */
export function signedBytes(report: Record<string, unknown>): string {
  const { signature: _, ...body } = report;
  return canonicalJson(body);
}

/**
 * Checks a signed JSON report against a public key (PEM or SPKI DER base64): the hash of its
 * canonical form and the signature. Returns the problems (empty: intact and signed by that key).
 */
export function verifyReport(report: Record<string, unknown>, publicKey: string): string[] {
  const sig = report.signature as ReportSignature | undefined;
  if (!sig || sig.algorithm !== 'ed25519' || typeof sig.value !== 'string' || typeof sig.sha256 !== 'string')
    return ['the report carries no Ed25519 signature'];
  const bytes = signedBytes(report);
  const problems: string[] = [];
  if (sha256Hex(bytes) !== sig.sha256) problems.push('the content does not match its SHA-256: the report was changed after it was signed');
  const key = publicKey.includes('BEGIN')
    ? createPublicKey(publicKey)
    : createPublicKey({ key: Buffer.from(publicKey, 'base64'), format: 'der', type: 'spki' });
  if (!verifySignature(null, Buffer.from(bytes), key, Buffer.from(sig.value, 'base64'))) problems.push('the signature does not verify with this public key');
  return problems;
}

/**
 * The signed JSON a PDF report carries (Info key `VigilReport`, base64; collector/src/reports/pdf.ts),
 * or undefined. pdfkit writes Info values as indirect string objects: `/VigilReport 14 0 R` … `14 0 obj (…)`.
 */
export function reportInPdf(pdf: Buffer): Record<string, unknown> | undefined {
  const value = pdfInfoString(pdf, 'VigilReport', '[A-Za-z0-9+/=]+');
  return value === undefined ? undefined : (JSON.parse(Buffer.from(value, 'base64').toString('utf8')) as Record<string, unknown>);
}

/** A PDF Info string entry (a literal string `(…)` of `chars`), written directly or as an indirect object, as pdfkit does. */
export function pdfInfoString(pdf: Buffer, key: string, chars = '[A-Za-z0-9 ./:+=-]+'): string | undefined {
  const s = pdf.toString('latin1');
  const ref = new RegExp(`/${key} (\\d+) 0 R`).exec(s);
  const direct = new RegExp(`/${key} \\((${chars})\\)`).exec(s);
  return ref ? new RegExp(`(?:^|\\n)${ref[1]} 0 obj\\s*\\((${chars})\\)`).exec(s)?.[1] : direct?.[1];
}
