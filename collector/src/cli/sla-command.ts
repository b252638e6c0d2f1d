import { Command } from 'commander';
import type { SlaReport } from '../../../shared/sla/types.js';
import { callApi, targetFrom } from './api-client.js';

const pct = (v: number | null) => (v === null ? '—' : `${v.toFixed(4)} %`);

export function slaCommand(): Command {
  const cmd = new Command('sla').description('SLA figures: from a running collector (show) or offline (compute)');
  cmd
    .command('show')
    .description('SLA report of a client for a period, from the collector')
    .requiredOption('--client <id>', 'client id')
    .option('--period <label>', 'e.g. 2026-10 (default: the current period)')
    .option('--format <format>', 'table or json', 'table')
    .option('--collector <url>', 'collector URL (env VIGIL_COLLECTOR_URL)')
    .option('--token <token>', 'an API token (viewer, reporter, operator) or the admin token (env VIGIL_TOKEN)')
    .action(async (o: { client: string; period?: string; format: string; collector?: string }) => {
      const q = o.period ? `?period=${encodeURIComponent(o.period)}` : '';
      const r = (await callApi(targetFrom(o), 'GET', `/api/v1/sla/${encodeURIComponent(o.client)}${q}`)) as SlaReport;
      if (o.format === 'json') {
        process.stdout.write(JSON.stringify(r, null, 2) + '\n');
        return;
      }
      const lines = [`${r.client} — ${r.period.label} (${r.period.start} → ${r.period.end}, definition ${r.definitionVersion})`];
      for (const s of r.services) {
        lines.push(
          `  ${s.id.padEnd(16)} availability ${pct(s.availabilityPercent).padStart(12)}  target ${s.target} %  downtime ${s.downtimeSeconds.toFixed(0)} s  ` +
            `unknown ${s.unknownSeconds.toFixed(0)} s  maintenance ${s.maintenanceSeconds.toFixed(0)} s  ${s.breached ? 'BREACHED' : 'ok'}  credit ${s.creditPercent} %`,
        );
      }
      process.stdout.write(lines.join('\n') + '\n');
    });
  cmd
    .command('exclude')
    .description("carve a stretch out of a service's SLA (vendor outage, force majeure); past reports recompute with it")
    .requiredOption('--client <id>', 'client id')
    .requiredOption('--service <id>', 'service id')
    .requiredOption('--from <iso>', 'start instant, ISO-8601 with offset')
    .requiredOption('--to <iso>', 'end instant, ISO-8601 with offset')
    .requiredOption('--reason <text>', 'why (shown in reports)')
    .requiredOption('--by <name>', 'who adds it')
    .option('--collector <url>', 'collector URL (env VIGIL_COLLECTOR_URL)')
    .option('--admin-token <token>', 'admin token (env VIGIL_ADMIN_TOKEN)')
    .action(async (o: { client: string; service: string; from: string; to: string; reason: string; by: string; collector?: string; adminToken?: string }) => {
      const res = await callApi(targetFrom(o), 'POST', '/api/v1/admin/exclusions', {
        clientId: o.client,
        service: o.service,
        start: o.from,
        end: o.to,
        reason: o.reason,
        addedBy: o.by,
      });
      process.stdout.write(JSON.stringify(res, null, 2) + '\n');
    });
  return cmd;
}
