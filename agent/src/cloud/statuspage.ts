import { Type } from 'typebox';
import { defineTemplate, type TemplatePart } from './template.js';

const Options = Type.Object(
  {
    /** The status page's base URL, e.g. `https://status.atlassian.com` (any Atlassian Statuspage). */
    url: Type.String({ pattern: '^https?://' }),
    /** Watch only these components (name or id); default: the whole page. */
    components: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { minItems: 1 })),
    insecureSkipVerify: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

/**
 * Any SaaS that publishes an Atlassian Statuspage (Atlassian, Zoom, Dropbox, GitHub, many
 * PSA/RMM vendors …): one `statuspage` check on `<url>/api/v2/summary.json`.
 */
export const statuspageTemplate = defineTemplate({
  name: 'statuspage',
  options: Options,
  parts: ['status'],
  expand(o): TemplatePart[] {
    return [
      {
        part: 'status',
        check: {
          type: 'statuspage',
          url: o.url,
          ...(o.components ? { components: o.components } : {}),
          ...(o.insecureSkipVerify ? { insecureSkipVerify: true } : {}),
        },
      },
    ];
  },
});
