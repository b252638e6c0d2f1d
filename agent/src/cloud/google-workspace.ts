import { Type } from 'typebox';
import { at, BaseUrl, frontDoor, openIdConfiguration } from './parts.js';
import { defineTemplate, type TemplatePart } from './template.js';

const Options = Type.Object(
  {
    /** Products whose open incidents on the Workspace Status Dashboard count (title or id); default: the core four. */
    products: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { minItems: 1 })),
    endpoints: Type.Optional(
      Type.Object({ accounts: BaseUrl, mail: BaseUrl, drive: BaseUrl, meet: BaseUrl, status: BaseUrl }, { additionalProperties: false }),
    ),
    insecureSkipVerify: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

/** Product titles as the Google Workspace Status Dashboard names them. */
export const CORE_PRODUCTS = ['Gmail', 'Google Calendar', 'Google Drive', 'Google Meet'];

/**
 * Google Workspace: Google sign-in metadata, the Gmail, Drive and Meet front doors over HTTPS,
 * and Google's own Workspace Status Dashboard feed for the products the client uses.
 */
export const googleWorkspaceTemplate = defineTemplate({
  name: 'google-workspace',
  options: Options,
  parts: ['accounts', 'mail', 'drive', 'meet', 'status'],
  expand(o): TemplatePart[] {
    const e = o.endpoints ?? {};
    return [
      openIdConfiguration('accounts', e.accounts ?? 'https://accounts.google.com', '', o),
      frontDoor('mail', at(e.mail ?? 'https://mail.google.com', '/mail/'), o),
      frontDoor('drive', at(e.drive ?? 'https://drive.google.com', '/'), o),
      frontDoor('meet', at(e.meet ?? 'https://meet.google.com', '/'), o),
      {
        part: 'status',
        check: {
          type: 'google-status',
          url: at(e.status ?? 'https://www.google.com', '/appsstatus/dashboard/incidents.json'),
          products: o.products ?? CORE_PRODUCTS,
          ...(o.insecureSkipVerify ? { insecureSkipVerify: true } : {}),
        },
      },
    ];
  },
});
