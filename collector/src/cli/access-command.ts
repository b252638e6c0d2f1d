import { Command } from 'commander';
import { VigilError } from '../../../shared/errors.js';
import { parseDurationMs } from '../../../shared/sla/duration.js';
import { callApi, targetFrom } from './api-client.js';

interface Common {
  collector?: string;
  adminToken?: string;
  token?: string;
}
const common = (c: Command) =>
  c.option('--collector <url>', 'collector URL (env VIGIL_COLLECTOR_URL)').option('--admin-token <token>', 'admin token (env VIGIL_ADMIN_TOKEN)');
const print = (v: unknown): void => void process.stdout.write(`${JSON.stringify(v, null, 2)}\n`);

/** `vigil api-token create|list|revoke` (admin): named tokens for the NOC, client viewers and report fetchers. */
export function apiTokenCommand(): Command {
  const cmd = new Command('api-token').description('named API tokens (admin): operator, viewer, reporter');
  common(cmd.command('create').description('create an API token; the secret is printed once, the collector keeps only its hash'))
    .requiredOption('--role <role>', 'operator (reads every client, acknowledges), viewer (reads its clients), reporter (fetches its clients’ reports)')
    .option('--client <id...>', 'a client the token may read (viewer, reporter; repeat or list)')
    .option('--name <text>', 'what it is for, shown in lists and the audit log', 'api token')
    .option('--ttl <duration>', 'lifetime, e.g. 90d (default: until revoked)')
    .action(async (o: Common & { role: string; client?: string[]; name: string; ttl?: string }) => {
      if (!['operator', 'viewer', 'reporter'].includes(o.role))
        throw new VigilError('QUERY_INVALID', `--role must be operator, viewer or reporter, not "${o.role}"`);
      const ttl = o.ttl === undefined ? undefined : parseDurationMs(o.ttl);
      if (o.ttl !== undefined && ttl === undefined) throw new VigilError('QUERY_INVALID', `--ttl "${o.ttl}" is not a duration like 90d`);
      print(
        await callApi(targetFrom(o), 'POST', '/api/v1/admin/api-tokens', {
          name: o.name,
          role: o.role,
          clients: o.client ?? [],
          ...(ttl !== undefined ? { ttlSeconds: Math.round(ttl / 1000) } : {}),
        }),
      );
    });
  common(cmd.command('list').description('list API tokens (never their secrets)')).action(async (o: Common) =>
    print(await callApi(targetFrom(o), 'GET', '/api/v1/admin/api-tokens')),
  );
  common(cmd.command('revoke').description('revoke an API token').argument('<id>', 'token id (tok_…)')).action(async (id: string, o: Common) =>
    print(await callApi(targetFrom(o), 'DELETE', `/api/v1/admin/api-tokens/${encodeURIComponent(id)}`)),
  );
  return cmd;
}

/** `vigil audit list` (admin or operator): the append-only log of admin and operator actions. */
export function auditCommand(): Command {
  const cmd = new Command('audit').description('the audit log of admin and operator actions');
  common(cmd.command('list').description('newest first'))
    .option('--token <token>', 'an operator token instead of the admin token (env VIGIL_TOKEN)')
    .option('--since <iso>', 'from this instant')
    .option('--until <iso>', 'before this instant')
    .option('--principal <who>', 'only this principal (admin, tok_… (name))')
    .option('--action <action>', 'only this action, e.g. exclusion.add')
    .option('--limit <n>', 'at most this many', '100')
    .action(async (o: Common & { since?: string; until?: string; principal?: string; action?: string; limit: string }) => {
      const q = new URLSearchParams({ limit: o.limit });
      if (o.since) q.set('from', o.since);
      if (o.until) q.set('to', o.until);
      if (o.principal) q.set('principal', o.principal);
      if (o.action) q.set('action', o.action);
      print(await callApi(targetFrom(o), 'GET', `/api/v1/audit?${q}`));
    });
  return cmd;
}
