import { Command } from 'commander';
import { parseDurationMs } from '../../../shared/sla/duration.js';
import { VigilError } from '../../../shared/errors.js';
import { callApi, targetFrom } from './api-client.js';

interface Common {
  collector?: string;
  adminToken?: string;
}
const common = (c: Command) =>
  c.option('--collector <url>', 'collector URL (env VIGIL_COLLECTOR_URL)').option('--admin-token <token>', 'admin token (env VIGIL_ADMIN_TOKEN)');

export function tokenCommand(): Command {
  const cmd = new Command('token').description('enrollment tokens (admin): create, list, revoke');
  common(cmd.command('create').description('create an enrollment token for a client site'))
    .requiredOption('--client <id>', 'client id')
    .requiredOption('--site <id>', 'site id')
    .option('--ttl <duration>', 'lifetime, e.g. 7d', '7d')
    .option('--max-uses <n>', 'agents that may enroll with it')
    .option('--note <text>', 'free text')
    .action(async (o: Common & { client: string; site: string; ttl: string; maxUses?: string; note?: string }) => {
      const ttl = parseDurationMs(o.ttl);
      if (ttl === undefined) throw new VigilError('QUERY_INVALID', `--ttl "${o.ttl}" is not a duration like 7d`);
      const res = await callApi(targetFrom(o), 'POST', '/api/v1/admin/enrollment-tokens', {
        clientId: o.client,
        siteId: o.site,
        ttlSeconds: Math.round(ttl / 1000),
        ...(o.maxUses ? { maxUses: Number(o.maxUses) } : {}),
        ...(o.note ? { note: o.note } : {}),
      });
      process.stdout.write(JSON.stringify(res, null, 2) + '\n');
    });
  common(cmd.command('list').description('list enrollment tokens')).action(async (o: Common) => {
    process.stdout.write(JSON.stringify(await callApi(targetFrom(o), 'GET', '/api/v1/admin/enrollment-tokens'), null, 2) + '\n');
  });
  common(cmd.command('revoke').description('revoke an enrollment token').argument('<id>', 'token id')).action(async (id: string, o: Common) => {
    process.stdout.write(JSON.stringify(await callApi(targetFrom(o), 'DELETE', `/api/v1/admin/enrollment-tokens/${encodeURIComponent(id)}`)) + '\n');
  });
  return cmd;
}
