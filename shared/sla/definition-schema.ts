import { Type, type Static } from 'typebox';
import { DurationSchema as Duration } from './duration.js';

/** The per-client SLA definition file (YAML). The core is a fixed contract: extend, don't rename. */
const Day = Type.Enum(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun']);

/** One range, or (issue 15) a list of them: split hours, ranges past midnight. HH:MM and from ≠ to: business-hours.ts. */
const BusinessRange = Type.Object(
  {
    days: Type.Array(Day, { minItems: 1, description: 'the days the range starts on' }),
    from: Type.String({ description: 'HH:MM local, 00:00-23:59' }),
    to: Type.String({ description: 'HH:MM local, 00:00-24:00; earlier than from: the range ends the next day' }),
  },
  { additionalProperties: false },
);

const Maintenance = Type.Union([
  Type.Object({ start: Type.String(), duration: Duration, reason: Type.Optional(Type.String()) }, { additionalProperties: false }),
  Type.Object({ rrule: Type.String(), duration: Duration, reason: Type.Optional(Type.String()) }, { additionalProperties: false }),
]);

const Service = Type.Object(
  {
    id: Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$' }),
    target: Type.Number(),
    period: Type.Optional(Type.Enum(['calendar-month', 'rolling-30d', 'calendar-quarter'])),
    priority: Type.Optional(Type.String()),
    members: Type.Array(Type.String(), { minItems: 1 }),
    downtime: Type.Optional(
      Type.Object(
        {
          when: Type.Union([
            Type.Object({ membersDown: Type.Integer({ minimum: 1 }) }, { additionalProperties: false }),
            Type.Object({ membersDownPercent: Type.Number({ exclusiveMinimum: 0, maximum: 100 }) }, { additionalProperties: false }),
          ]),
          minDuration: Type.Optional(Duration),
        },
        { additionalProperties: false },
      ),
    ),
    unknown: Type.Optional(Type.Enum(['exclude', 'up', 'down'])),
    maintenance: Type.Optional(Type.Array(Maintenance)),
    businessHours: Type.Optional(Type.Union([BusinessRange, Type.Array(BusinessRange, { minItems: 1, maxItems: 50 })])),
    credits: Type.Optional(
      Type.Object(
        {
          tiers: Type.Array(Type.Object({ below: Type.Number(), percent: Type.Number({ minimum: 0 }) }, { additionalProperties: false })),
          cap: Type.Number({ minimum: 0 }),
        },
        { additionalProperties: false },
      ),
    ),
    thresholds: Type.Optional(
      Type.Object(
        {
          errorRateAbove: Type.Optional(Type.Number({ minimum: 0 })),
          latencyP95Above: Type.Optional(Duration),
          mosBelow: Type.Optional(Type.Number({ minimum: 1, maximum: 5 })),
          degradedCounts: Type.Optional(Type.Enum(['down', 'up'])),
        },
        { additionalProperties: false },
      ),
    ),
    incidentTargets: Type.Optional(
      Type.Record(
        Type.String(),
        Type.Object(
          { notify: Type.Optional(Duration), response: Type.Optional(Duration), resolution: Type.Optional(Duration) },
          { additionalProperties: false },
        ),
      ),
    ),
  },
  { additionalProperties: false },
);

export const DefinitionFile = Type.Object(
  {
    client: Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$' }),
    timezone: Type.String(),
    version: Type.Optional(Type.Union([Type.String(), Type.Number()])),
    /** Local date (or date-time) from which this version applies. */
    effectiveFrom: Type.Optional(Type.String()),
    /** After a period's end, how long its report stays provisional (late data from agents' spools). Default 6h. */
    settleDelay: Type.Optional(Duration),
    services: Type.Array(Service, { minItems: 1 }),
  },
  { additionalProperties: false },
);
export type DefinitionFile = Static<typeof DefinitionFile>;
