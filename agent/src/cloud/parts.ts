import { Type } from 'typebox';
import type { TemplatePart } from './template.js';

/**
 * Statuses a SaaS front door answers with when it is up: a page, a redirect to sign-in, or
 * "sign in first". Redirects are not followed (maxRedirects 0), so the figure is the vendor's
 * own edge, not a chain through identity providers; a 5xx, a TLS or network failure is down.
 */
export const FRONT_DOOR = [200, 204, 301, 302, 303, 307, 308, 401, 403];

/** An endpoint override: a base URL (`https://127.0.0.1:8443`), so tests and labs can point a template at loopback. The default path is kept. */
export const BaseUrl = Type.Optional(Type.String({ pattern: '^https?://[^/?#]+(/[^?#]*)?$' }));

/** The endpoint's URL: the override (or the vendor default) as base, plus the part's path. */
export function at(base: string, path: string): string {
  return `${base.replace(/\/+$/, '')}${path}`;
}

interface Common {
  insecureSkipVerify?: boolean;
}
const tls = (o: Common) => (o.insecureSkipVerify ? { insecureSkipVerify: true } : {});

/** HTTPS reachability of a vendor front door. */
export function frontDoor(part: string, url: string, o: Common): TemplatePart {
  return { part, check: { type: 'http', url, expectStatus: FRONT_DOOR, maxRedirects: 0, ...tls(o) } };
}

/** An OpenID Connect discovery document: the identity provider answers and serves its metadata, not just a page. */
export function openIdConfiguration(part: string, base: string, pathPrefix: string, o: Common): TemplatePart {
  return {
    part,
    check: { type: 'http', url: at(base, `${pathPrefix}/.well-known/openid-configuration`), expectStatus: [200], keyword: '"token_endpoint"', ...tls(o) },
  };
}

/** A DNS record the client's domain needs for the service (answers matched by the dns probe's `expect`). */
export function dnsRecord(part: string, name: string, recordType: 'MX' | 'CNAME' | 'TXT', expect: string, server: string | undefined): TemplatePart {
  return { part, check: { type: 'dns', name, recordType, expect: [expect], ...(server ? { server } : {}) } };
}
