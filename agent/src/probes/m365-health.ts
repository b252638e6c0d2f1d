import { readFile } from 'node:fs/promises';
import { Type } from 'typebox';
import { fetchStatusDocument, isObject, notTheFormat, vendorResult, type Affected, type Level } from '../cloud/status-document.js';
import { defineProbe, type ProbeResult } from './types.js';

const Options = Type.Object(
  {
    /** Microsoft Graph `GET /v1.0/admin/serviceAnnouncement/healthOverviews`. */
    url: Type.String({ pattern: '^https?://' }),
    /** File holding a bearer token with ServiceHealth.Read.All; read on every run, so whatever renews it just rewrites the file. */
    tokenFile: Type.String({ minLength: 1 }),
    /** Services to watch, by name ("Exchange Online") or id ("Exchange"), case-insensitive; default: all the tenant has. */
    services: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { minItems: 1 })),
    insecureSkipVerify: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

/**
 * serviceHealthStatus on Vigil's scale. Finished or dismissed states are up, an interruption
 * is down, everything in between (investigating, degradation, restoring …) is degraded, and
 * so is a value Microsoft adds later (`unknownFutureValue`).
 */
const HEALTH: Record<string, Level> = {
  serviceOperational: 0,
  serviceRestored: 0,
  falsePositive: 0,
  resolved: 0,
  resolvedExternal: 0,
  mitigated: 0,
  mitigatedExternal: 0,
  postIncidentReviewPublished: 0,
  investigationSuspended: 0,
  investigating: 1,
  restoringService: 1,
  verifyingService: 1,
  serviceDegradation: 1,
  extendedRecovery: 1,
  confirmed: 1,
  reported: 1,
  serviceInterruption: 2,
};

interface Health {
  service: string;
  id: string;
  status: string;
}
const isHealth = (v: unknown): v is Health => isObject(v) && typeof v.service === 'string' && typeof v.status === 'string';

/** Microsoft 365 service health as the tenant sees it (Graph service communications API). */
export const m365HealthProbe = defineProbe({
  type: 'm365-health',
  options: Options,
  describe: (o) => o.url,
  async run(o, ctx): Promise<ProbeResult> {
    let token: string;
    try {
      token = (await readFile(o.tokenFile, 'utf8')).trim();
    } catch (e) {
      return { status: 'down', reason: 'config', message: `cannot read the token file ${o.tokenFile}: ${(e as Error).message}`, durationMs: 0, metrics: {} };
    }
    if (!token) return { status: 'down', reason: 'config', message: `the token file ${o.tokenFile} is empty`, durationMs: 0, metrics: {} };
    const answer = await fetchStatusDocument({ url: o.url, headers: { authorization: `Bearer ${token}` }, insecureSkipVerify: o.insecureSkipVerify }, ctx);
    if (!answer.ok) {
      const r = answer.result;
      return r.message === 'HTTP 401' || r.message === 'HTTP 403' ? { ...r, message: `${r.message}: token rejected (needs ServiceHealth.Read.All)` } : r;
    }
    const doc = answer.json;
    if (!isObject(doc) || !Array.isArray(doc.value)) return notTheFormat(answer, 'Graph healthOverviews collection (value[] expected)');
    const all = doc.value.filter(isHealth);
    const matches = (h: Health, want: string) => h.service.toLowerCase() === want.toLowerCase() || String(h.id).toLowerCase() === want.toLowerCase();
    const missing = (o.services ?? []).filter((want) => !all.some((h) => matches(h, want)));
    if (missing.length > 0) {
      return {
        status: 'down',
        reason: 'config',
        durationMs: performance.now() - answer.t0,
        metrics: answer.metrics,
        message: `service(s) not in this tenant's health overview: ${missing.join(', ')}; it has: ${all.map((h) => h.service).join(', ')}`.slice(0, 1024),
      };
    }
    const watched = o.services ? all.filter((h) => o.services!.some((want) => matches(h, want))) : all;
    return vendorResult(
      answer,
      watched.map((h): Affected => ({ name: h.service, level: HEALTH[h.status] ?? 1, says: h.status })),
    );
  },
});
