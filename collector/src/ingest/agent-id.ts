import { VigilError } from '../../../shared/errors.js';
import { Id } from '../../../shared/protocol/v1/common.js';
import { validator } from '../../../shared/validate.js';

/** The `Id` pattern allows 128 characters; ingest refuses a longer agent id, so enrollment never makes one. */
const MAX_ID = 128;
/** At most this much of the client id, so a long client id still leaves room for the name. */
const CLIENT_PART = 64;
const NAME_PART = 100;
const isId = validator(Id);

/**
 * The id of the n-th agent (n = 1, 2 …) enrolled under this name in this client:
 * `<client>.<name>` then `<client>.<name>-<n>`. The name is lowercased, other characters
 * become `-`, and it is shortened so the id (suffix included) always fits the `Id` pattern.
 * Short names give the same ids as before this rule.
 */
export function agentIdFor(clientId: string, name: string, n: number): string {
  const base =
    name
      .toLowerCase()
      .replace(/[^a-z0-9_.:-]/g, '-')
      .slice(0, NAME_PART) || 'agent';
  const client = clientId.slice(0, CLIENT_PART);
  const suffix = n > 1 ? `-${n}` : '';
  const id = `${client}.${base.slice(0, MAX_ID - client.length - 1 - suffix.length)}${suffix}`;
  if (!isId.check(id)) throw new VigilError('INTERNAL', `derived agent id ${JSON.stringify(id)} does not fit the Id pattern`);
  return id;
}
