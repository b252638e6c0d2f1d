import { isAbsolute, resolve } from 'node:path';
import { Type } from 'typebox';
import { at, BaseUrl, dnsRecord, frontDoor, openIdConfiguration } from './parts.js';
import { defineTemplate, type TemplatePart } from './template.js';

const Options = Type.Object(
  {
    /** The tenant's SharePoint name: `contoso` checks `https://contoso.sharepoint.com`. */
    tenant: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9-]{0,62}$' })),
    /** The client's mail domain: its MX must point at Exchange Online, `autodiscover.<domain>` at autodiscover.outlook.com. */
    domain: Type.Optional(Type.String({ pattern: '^([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\\.)+[A-Za-z]{2,63}$' })),
    /** DNS server for the domain checks (`ip` or `ip:port`); default: the system resolver. */
    dnsServer: Type.Optional(Type.String({ minLength: 1 })),
    /** Bearer token file (ServiceHealth.Read.All) for Microsoft Graph service health; relative to the config file. */
    healthTokenFile: Type.Optional(Type.String({ minLength: 1 })),
    /** Graph services to watch ("Exchange Online", "Microsoft Teams" or their ids); default: all. */
    services: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { minItems: 1 })),
    endpoints: Type.Optional(
      Type.Object({ login: BaseUrl, exchange: BaseUrl, teams: BaseUrl, sharepoint: BaseUrl, graph: BaseUrl }, { additionalProperties: false }),
    ),
    insecureSkipVerify: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

/** Exchange Online Protection receives mail for every M365 domain at `<domain-tag>.mail.protection.outlook.com`. */
const MX_EXPECT = '/\\.mail\\.protection\\.outlook\\.com$/i';
const HEALTH_PATH = '/v1.0/admin/serviceAnnouncement/healthOverviews';

/**
 * Microsoft 365 as the client's users meet it: Entra ID sign-in metadata, the Exchange
 * Online (OWA), Teams and SharePoint front doors over HTTPS; with `domain`, the MX and
 * autodiscover records; with `healthTokenFile`, Microsoft's own service health via Graph.
 */
export const microsoft365Template = defineTemplate({
  name: 'microsoft-365',
  options: Options,
  parts: ['login', 'exchange', 'teams', 'sharepoint', 'dns-mx', 'dns-autodiscover', 'health'],
  expand(o, ctx): TemplatePart[] {
    const e = o.endpoints ?? {};
    const parts: TemplatePart[] = [
      openIdConfiguration('login', e.login ?? 'https://login.microsoftonline.com', '/common/v2.0', o),
      frontDoor('exchange', at(e.exchange ?? 'https://outlook.office365.com', '/owa/'), o),
      frontDoor('teams', at(e.teams ?? 'https://teams.microsoft.com', '/'), o),
    ];
    const sharepoint = e.sharepoint ?? (o.tenant ? `https://${o.tenant.toLowerCase()}.sharepoint.com` : undefined);
    if (sharepoint) parts.push(frontDoor('sharepoint', at(sharepoint, '/'), o));
    if (o.domain) {
      parts.push(dnsRecord('dns-mx', o.domain, 'MX', MX_EXPECT, o.dnsServer));
      parts.push(dnsRecord('dns-autodiscover', `autodiscover.${o.domain}`, 'CNAME', 'autodiscover.outlook.com', o.dnsServer));
    } else if (o.dnsServer) ctx.problem('/dnsServer', 'only used for the DNS checks of `domain`, which is not set');
    if (o.healthTokenFile) {
      const tokenFile = isAbsolute(o.healthTokenFile) ? o.healthTokenFile : resolve(ctx.baseDir, o.healthTokenFile);
      parts.push({
        part: 'health',
        check: {
          type: 'm365-health',
          url: at(e.graph ?? 'https://graph.microsoft.com', HEALTH_PATH),
          tokenFile,
          ...(o.services ? { services: o.services } : {}),
          ...(o.insecureSkipVerify ? { insecureSkipVerify: true } : {}),
        },
      });
    } else {
      if (o.services) ctx.problem('/services', 'needs healthTokenFile: service health comes from Microsoft Graph');
      if (e.graph) ctx.problem('/endpoints/graph', 'needs healthTokenFile: service health comes from Microsoft Graph');
    }
    return parts;
  },
});
