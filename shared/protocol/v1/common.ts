import { Type } from 'typebox';

/** Milliseconds since the Unix epoch (UTC). All wire timestamps use this. */
export const EpochMs = Type.Integer({ minimum: 0, description: 'milliseconds since the Unix epoch' });

/** Identifier for checks, clients, sites, services: lowercase-ish, URL- and label-safe. */
export const Id = Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$', description: 'identifier' });

/** Prometheus-safe metric key, with its unit as suffix (`_seconds`, `_ratio`, `_bytes` …). */
export const MetricKey = Type.String({ pattern: '^[a-z][a-z0-9_]{0,99}$' });

/** Free-form labels; keys are Prometheus label names. */
export const Labels = Type.Record(Type.String({ pattern: '^[a-zA-Z_][a-zA-Z0-9_]{0,63}$' }), Type.String({ maxLength: 256 }));

export const CheckState = Type.Union([Type.Literal('up'), Type.Literal('down'), Type.Literal('unknown')]);
