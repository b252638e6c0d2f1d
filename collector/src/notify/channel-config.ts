import { Type, type Static, type TSchema } from 'typebox';
import { VigilError, type Problem } from '../../../shared/errors.js';
import { DurationSchema, parseDurationMs } from '../../../shared/sla/duration.js';
import { validator, type Validator } from '../../../shared/validate.js';
import { NOTIFICATION_EVENTS, type Channel, type ChannelRoute, type NotificationEvent } from './channel.js';
import { emailChannel } from './email.js';
import { channelOptions, type ChannelOptions } from './http-post.js';
import { psaChannel, psaConfigProblems } from './psa.js';
import { slackChannel } from './slack.js';
import { teamsChannel } from './teams.js';
import { webhookChannel } from './webhook.js';

/** One entry of `notifications.channels[]`, discriminated by `type`. */

const common = {
  name: Type.String({ minLength: 1 }),
  /** Per attempt; default 10s. */
  timeout: Type.Optional(DurationSchema),
  // Route filters: absent = everything; an empty list would silently match nothing, so it is refused.
  clients: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { minItems: 1 })),
  priorities: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { minItems: 1 })),
  events: Type.Optional(Type.Array(Type.Enum([...NOTIFICATION_EVENTS]), { minItems: 1 })),
};
const HttpUrl = Type.String({ pattern: '^https?://[^\\s]+$' });
// Header names per RFC 9110 token; values without CR/LF (header injection).
const Headers = Type.Record(Type.String({ pattern: "^[A-Za-z0-9!#$%&'*+.^_`|~-]+$" }), Type.String({ pattern: '^[^\\r\\n]*$' }), {
  additionalProperties: false,
});
const Scalar = Type.Union([Type.String(), Type.Number()]);
const strict = { additionalProperties: false } as const;

export const WebhookChannelSchema = Type.Object(
  { type: Type.Literal('webhook'), ...common, url: HttpUrl, secret: Type.Optional(Type.String({ minLength: 1 })), headers: Type.Optional(Headers) },
  strict,
);
export const SlackChannelSchema = Type.Object({ type: Type.Literal('slack'), ...common, url: HttpUrl }, strict);
export const TeamsChannelSchema = Type.Object({ type: Type.Literal('teams'), ...common, url: HttpUrl }, strict);
export const EmailChannelSchema = Type.Object(
  {
    type: Type.Literal('email'),
    ...common,
    host: Type.String({ minLength: 1 }),
    port: Type.Optional(Type.Integer({ minimum: 1, maximum: 65535 })),
    secure: Type.Optional(Type.Boolean()),
    requireTLS: Type.Optional(Type.Boolean()),
    tlsRejectUnauthorized: Type.Optional(Type.Boolean()),
    auth: Type.Optional(Type.Object({ user: Type.String({ minLength: 1 }), pass: Type.String() }, strict)),
    from: Type.String({ pattern: '@' }),
    to: Type.Array(Type.String({ pattern: '@' }), { minItems: 1 }),
  },
  strict,
);
export const PsaChannelSchema = Type.Object(
  {
    type: Type.Literal('psa'),
    ...common,
    url: HttpUrl,
    method: Type.Optional(Type.Enum(['POST', 'PUT', 'PATCH'])),
    headers: Type.Optional(Headers),
    /** `connectwise`, `autotask`, `halopsa`, a JSON text, or the template as YAML. */
    template: Type.Union([Type.String({ minLength: 1 }), Type.Record(Type.String(), Type.Unknown()), Type.Array(Type.Unknown())]),
    fields: Type.Optional(Type.Record(Type.String(), Scalar)),
    /** Per client, over `fields`: e.g. each client's PSA company id. */
    clientFields: Type.Optional(Type.Record(Type.String(), Type.Record(Type.String(), Scalar))),
    priorityMap: Type.Optional(Type.Record(Type.String(), Scalar)),
    statusMap: Type.Optional(Type.Object({ open: Type.Optional(Scalar), resolved: Type.Optional(Scalar) }, strict)),
  },
  strict,
);

export const ChannelConfigSchema = Type.Union([WebhookChannelSchema, SlackChannelSchema, TeamsChannelSchema, EmailChannelSchema, PsaChannelSchema]);
export type ChannelConfig = Static<typeof ChannelConfigSchema>;
export type WebhookChannelConfig = Static<typeof WebhookChannelSchema>;
export type SlackChannelConfig = Static<typeof SlackChannelSchema>;
export type TeamsChannelConfig = Static<typeof TeamsChannelSchema>;
export type EmailChannelConfig = Static<typeof EmailChannelSchema>;
export type PsaChannelConfig = Static<typeof PsaChannelSchema>;
export type ChannelType = ChannelConfig['type'];

// Validated per type: the union's own errors list every branch's complaints at once.
const VALIDATORS: Readonly<Record<ChannelType, Pick<Validator<TSchema>, 'problems'>>> = {
  webhook: validator(WebhookChannelSchema),
  slack: validator(SlackChannelSchema),
  teams: validator(TeamsChannelSchema),
  email: validator(EmailChannelSchema),
  psa: validator(PsaChannelSchema),
};
export const CHANNEL_TYPES = Object.keys(VALIDATORS) as ChannelType[];

/** A PSA channel opening a ticket per escalation or acknowledgement would flood the board. */
const PSA_DEFAULT_EVENTS: NotificationEvent[] = ['incident.opened', 'incident.resolved'];
const MAX_TIMEOUT_MS = 300_000;

/**
 * Every problem in a `notifications.channels` list, each with its path: schema per type,
 * then what a schema cannot say (unique names, timeout range, PSA template).
 */
export function channelConfigProblems(list: unknown, basePath = '/notifications/channels'): Problem[] {
  if (!Array.isArray(list)) return [{ path: basePath, message: 'must be a list of channels' }];
  const problems: Problem[] = [];
  const seen = new Map<string, number>();
  list.forEach((entry: unknown, i) => {
    const path = `${basePath}/${i}`;
    const { type, name } = entry !== null && typeof entry === 'object' ? (entry as { type?: unknown; name?: unknown }) : {};
    // The outbox keys deliveries by channel name; checked even when the rest of the entry is wrong.
    const first = typeof name === 'string' ? seen.get(name) : undefined;
    if (first !== undefined) problems.push({ path: `${path}/name`, message: `"${String(name)}" is already the name of channel ${first}` });
    else if (typeof name === 'string') seen.set(name, i);
    const v = typeof type === 'string' && Object.hasOwn(VALIDATORS, type) ? VALIDATORS[type as ChannelType] : undefined;
    if (!v) return void problems.push({ path: `${path}/type`, message: `must be one of: ${CHANNEL_TYPES.join(', ')}` });
    const found = v.problems(entry).map((p) => ({ path: p.path === '/' ? path : `${path}${p.path}`, message: p.message }));
    if (found.length > 0) return void problems.push(...found);
    const cfg = entry as ChannelConfig;
    const ms = cfg.timeout === undefined ? undefined : parseDurationMs(cfg.timeout);
    if (ms !== undefined && (ms <= 0 || ms > MAX_TIMEOUT_MS)) problems.push({ path: `${path}/timeout`, message: 'must be more than 0 and at most 5m' });
    if (cfg.type === 'psa') problems.push(...psaConfigProblems(cfg, path));
  });
  return problems;
}

/** A channel plus what the outbox needs to route to it and bound each attempt. */
export interface ConfiguredChannel extends Channel {
  readonly route: ChannelRoute;
  readonly timeoutMs: number;
}

export function routeOf(cfg: ChannelConfig): ChannelRoute {
  const events = cfg.events ?? (cfg.type === 'psa' ? PSA_DEFAULT_EVENTS : undefined);
  return { ...(cfg.clients ? { clients: cfg.clients } : {}), ...(cfg.priorities ? { priorities: cfg.priorities } : {}), ...(events ? { events } : {}) };
}

/**
 * Builds every channel once, at start-up. Refuses (VIGIL_ERR_CONFIG_INVALID, all problems
 * listed) rather than starting with a channel that cannot work.
 */
export function buildChannels(
  cfgs: readonly ChannelConfig[],
  opts: Partial<Omit<ChannelOptions, 'timeoutMs'>> & { basePath?: string } = {},
): ConfiguredChannel[] {
  const problems = channelConfigProblems(cfgs, opts.basePath);
  if (problems.length > 0)
    throw new VigilError('CONFIG_INVALID', `notification channels are invalid (${problems.length} problem${problems.length === 1 ? '' : 's'})`, problems);
  return cfgs.map((cfg) => {
    const o = channelOptions(cfg.timeout, { ...(opts.clock ? { clock: opts.clock } : {}), ...(opts.dispatcher ? { dispatcher: opts.dispatcher } : {}) });
    const ch = makeChannel(cfg, o);
    return { name: ch.name, type: ch.type, send: ch.send, route: routeOf(cfg), timeoutMs: o.timeoutMs };
  });
}

function makeChannel(cfg: ChannelConfig, o: ChannelOptions): Channel {
  switch (cfg.type) {
    case 'webhook':
      return webhookChannel(cfg, o);
    case 'slack':
      return slackChannel(cfg, o);
    case 'teams':
      return teamsChannel(cfg, o);
    case 'email':
      return emailChannel(cfg, o);
    case 'psa':
      return psaChannel(cfg, o);
  }
}
