import { userInfo } from 'node:os';
import { Command } from 'commander';
import { callApi, targetFrom } from './api-client.js';

interface IncidentView {
  id: number;
  client: string;
  service: string;
  kind: string;
  status: string;
  priority: string;
  escalationLevel: number;
  startedAt: number;
  acknowledgedBy: string | null;
  timeToDetectSeconds: number;
  timeToNotifySeconds: number | null;
  timeToAcknowledgeSeconds: number | null;
  timeToResolveSeconds: number | null;
  within: Record<'notify' | 'response' | 'resolution', boolean | null>;
}
interface Dist {
  count: number;
  p50: number | null;
  p95: number | null;
  mean: number | null;
}
interface Adh {
  percent: number | null;
  within: number;
  total: number;
  pending: number;
}
interface Stats {
  client: string;
  period: { label: string };
  summary: {
    count: number;
    open: number;
    timeToDetect: Dist;
    timeToNotify: Dist;
    timeToAcknowledge: Dist;
    timeToResolve: Dist;
    mttaSeconds: number | null;
    mttrSeconds: number | null;
    adherence: Record<string, Adh>;
  };
}

const iso = (ms: number | null) => (ms === null ? '—' : new Date(ms).toISOString());
const secs = (s: number | null) => (s === null ? '—' : `${s.toFixed(1)} s`);
const mark = (w: boolean | null) => (w === null ? '' : w ? ' ✓' : ' ✗');
const conn = (c: Command) =>
  c.option('--collector <url>', 'collector URL (env VIGIL_COLLECTOR_URL)').option('--token <token>', 'an API token, or the admin token (env VIGIL_TOKEN)');

/** `vigil incident list|show|ack|stats`: incidents with their times and contract figures, from the collector. */
export function incidentCommand(): Command {
  const cmd = new Command('incident').description('incidents: when they started, were detected, notified, acknowledged and resolved');
  conn(cmd.command('list').description('list incidents'))
    .option('--client <id>', 'only this client')
    .option('--status <status>', 'open or resolved')
    .option('--kind <kind>', 'service-down, site-unreachable, burn-rate or projected-breach')
    .option('--json', 'print JSON')
    .action(async (o: { client?: string; status?: string; kind?: string; json?: boolean; collector?: string }) => {
      const q = new URLSearchParams(
        Object.entries({ client: o.client, status: o.status, kind: o.kind }).filter((e): e is [string, string] => e[1] !== undefined),
      );
      const { incidents } = (await callApi(targetFrom(o), 'GET', `/api/v1/incidents?${q}`)) as { incidents: IncidentView[] };
      if (o.json) return void process.stdout.write(JSON.stringify(incidents, null, 2) + '\n');
      for (const i of incidents) {
        process.stdout.write(
          `#${i.id} ${i.client}/${i.service} ${i.kind} ${i.priority} ${i.status.padEnd(8)} started ${iso(i.startedAt)}  detect ${secs(i.timeToDetectSeconds)}` +
            `  notify ${secs(i.timeToNotifySeconds)}${mark(i.within.notify)}  ack ${secs(i.timeToAcknowledgeSeconds)}${i.acknowledgedBy ? ` (${i.acknowledgedBy})` : ''}${mark(i.within.response)}` +
            `  resolve ${secs(i.timeToResolveSeconds)}${mark(i.within.resolution)}${i.escalationLevel ? `  escalated ×${i.escalationLevel}` : ''}\n`,
        );
      }
    });
  conn(cmd.command('show').description('one incident with every delivery and its audit trail').argument('<id>', 'incident id')).action(
    async (id: string, o: { collector?: string }) => {
      process.stdout.write(JSON.stringify(await callApi(targetFrom(o), 'GET', `/api/v1/incidents/${encodeURIComponent(id)}`), null, 2) + '\n');
    },
  );
  conn(cmd.command('ack').description('acknowledge an incident (stops its escalation)').argument('<id>', 'incident id'))
    .option('--by <name>', 'who acknowledges (default: your user name)')
    .option('--note <text>', 'a note for the audit trail')
    .option('--admin-token <token>', 'admin token (env VIGIL_ADMIN_TOKEN)')
    .action(async (id: string, o: { by?: string; note?: string; collector?: string; adminToken?: string }) => {
      const body = { by: o.by ?? userInfo().username, via: 'cli', ...(o.note ? { note: o.note } : {}) };
      const i = (await callApi(targetFrom(o), 'POST', `/api/v1/incidents/${encodeURIComponent(id)}/ack`, body)) as IncidentView & {
        acknowledgedAt: number | null;
      };
      process.stdout.write(`#${i.id} ${i.client}/${i.service} acknowledged by ${i.acknowledgedBy} at ${iso(i.acknowledgedAt)}\n`);
    });
  conn(cmd.command('stats').description('time to detect/notify/acknowledge/resolve and adherence to the contract for a period'))
    .requiredOption('--client <id>', 'client')
    .option('--period <label>', 'e.g. 2026-10 (default: the current period)')
    .option('--json', 'print JSON')
    .action(async (o: { client: string; period?: string; json?: boolean; collector?: string }) => {
      const q = new URLSearchParams({ client: o.client, ...(o.period ? { period: o.period } : {}) });
      const s = (await callApi(targetFrom(o), 'GET', `/api/v1/incidents/stats?${q}`)) as Stats;
      if (o.json) return void process.stdout.write(JSON.stringify(s, null, 2) + '\n');
      const m = s.summary;
      const row = (name: string, d: Dist) =>
        `  ${name.padEnd(16)} p50 ${secs(d.p50).padStart(10)}  p95 ${secs(d.p95).padStart(10)}  mean ${secs(d.mean).padStart(10)}  (${d.count})\n`;
      const adh = (name: string, a: Adh) =>
        `  ${name.padEnd(16)} ${a.percent === null ? '—' : `${a.percent.toFixed(1)} %`}  (${a.within}/${a.total} within target${a.pending ? `, ${a.pending} pending` : ''})\n`;
      process.stdout.write(
        `${s.client} ${s.period.label}: ${m.count} incidents (${m.open} open)\n` +
          row('time to detect', m.timeToDetect) +
          row('time to notify', m.timeToNotify) +
          row('time to ack', m.timeToAcknowledge) +
          row('time to resolve', m.timeToResolve) +
          `  MTTA ${secs(m.mttaSeconds)}  MTTR ${secs(m.mttrSeconds)}\n adherence\n` +
          adh('notification', m.adherence.notify!) +
          adh('response', m.adherence.response!) +
          adh('resolution', m.adherence.resolution!),
      );
    });
  return cmd;
}
