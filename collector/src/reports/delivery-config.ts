import { Type, type Static } from 'typebox';

/** `reports:` of collector.yaml: which clients get their report sent, to whom, when (README, "Contract reports"). */
export const ReportsSection = Type.Object(
  {
    deliveries: Type.Optional(
      Type.Array(
        Type.Object(
          {
            client: Type.String({ minLength: 1 }),
            /** Sent with the SMTP settings of this email channel (notifications.channels), to these addresses. */
            email: Type.Optional(
              Type.Object(
                { channel: Type.String({ minLength: 1 }), to: Type.Array(Type.String({ pattern: '@' }), { minItems: 1 }) },
                { additionalProperties: false },
              ),
            ),
            /** A JSON POST naming the report (version, hash, a signed link to its HTML). */
            webhook: Type.Optional(Type.Object({ url: Type.String({ pattern: '^https?://' }) }, { additionalProperties: false })),
            /** Local time (the client's timezone) on the 1st of each month when due reports go out; default 06:00. */
            at: Type.Optional(Type.String({ pattern: '^([01]\\d|2[0-3]):[0-5]\\d$' })),
          },
          { additionalProperties: false },
        ),
        { maxItems: 10_000 },
      ),
    ),
  },
  { additionalProperties: false },
);
export type ReportsSection = Static<typeof ReportsSection>;
export type ReportDeliveryConfig = NonNullable<ReportsSection['deliveries']>[number];
