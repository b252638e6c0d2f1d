import { Command } from 'commander';
import { callApi, targetFrom } from './api-client.js';

interface IncidentView {
  id: number; client: string; service: string; status: string; startedAt: number; detectedAt: number; resolvedAt: number | null;
  timeToDetectSeconds: number; timeToNotifySeconds: number | null; timeToResolveSeconds: number | null;
  deliveries: Array<{ event: string; channel: string; status: string; attempts: number; deliveredAt: number | null }>;
}

const iso = (ms: number | null) => (ms === null ? '—' : new Date(ms).toISOString());
const secs = (s: number | null) => (s === null ? '—' : `${s.toFixed(1)} s`);

/** `vigil incident list|show`: incidents with their times, from the collector. */
export function incidentCommand(): Command {
  const cmd = new Command('incident').description('incidents: when they started, were detected, notified and resolved');
  cmd
    .command('list')
    .description('list incidents')
    .option('--client <id>', 'only this client')
    .option('--status <status>', 'open or resolved')
    .option('--json', 'print JSON')
    .option('--collector <url>', 'collector URL (env VIGIL_COLLECTOR_URL)')
    .action(async (o: { client?: string; status?: string; json?: boolean; collector?: string }) => {
      const q = new URLSearchParams({ ...(o.client ? { client: o.client } : {}), ...(o.status ? { status: o.status } : {}) });
      const { incidents } = (await callApi(targetFrom(o), 'GET', `/api/v1/incidents?${q}`)) as { incidents: IncidentView[] };
      if (o.json) return void process.stdout.write(JSON.stringify(incidents, null, 2) + '\n');
      for (const i of incidents) {
        process.stdout.write(`#${i.id} ${i.client}/${i.service} ${i.status.padEnd(8)} started ${iso(i.startedAt)}  detect ${secs(i.timeToDetectSeconds)}  notify ${secs(i.timeToNotifySeconds)}  resolve ${secs(i.timeToResolveSeconds)}\n`);
      }
    });
  cmd
    .command('show')
    .description('one incident with every delivery')
    .argument('<id>', 'incident id')
    .option('--collector <url>', 'collector URL (env VIGIL_COLLECTOR_URL)')
    .action(async (id: string, o: { collector?: string }) => {
      process.stdout.write(JSON.stringify(await callApi(targetFrom(o), 'GET', `/api/v1/incidents/${encodeURIComponent(id)}`), null, 2) + '\n');
    });
  return cmd;
}
