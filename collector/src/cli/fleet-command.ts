import { Command } from 'commander';
import { VigilError } from '../../../shared/errors.js';
import { VERSION } from '../../../shared/version.js';
import { readYamlFile } from '../../../shared/yaml-file.js';
import type { FleetEntry } from '../fleet/fleet-view.js';
import { callApi, targetFrom } from './api-client.js';

type Conn = { collector?: string; token?: string; adminToken?: string };
type LayerOpts = Conn & { client?: string; site?: string; agent?: string };

const conn = (c: Command) =>
  c.option('--collector <url>', 'collector URL (env VIGIL_COLLECTOR_URL)').option('--token <token>', 'an API token, or the admin token (env VIGIL_TOKEN)');
const layerOpts = (c: Command) =>
  conn(c)
    .option('--client <id>', "the client's template (with --site: that site's overrides)")
    .option('--site <id>', "a site's overrides (with --client)")
    .option('--agent <id>', "one agent's overrides");

/** The API path of the layer the options name. */
function layerPath(o: LayerOpts): string {
  const e = encodeURIComponent;
  if (o.agent && !o.client && !o.site) return `/api/v1/fleet/config/agents/${e(o.agent)}`;
  if (o.client && !o.agent) return o.site ? `/api/v1/fleet/config/sites/${e(o.client)}/${e(o.site)}` : `/api/v1/fleet/config/clients/${e(o.client)}`;
  throw new VigilError('QUERY_INVALID', 'name one layer: --client C (template), --client C --site S (a site), or --agent A (an agent)');
}

const ago = (ms: number | null) => (ms === null ? 'never' : `${Math.max(0, Math.round((Date.now() - ms) / 1000))} s ago`);
const span = (s: number | null) =>
  s === null ? '—' : s >= 86_400 ? `${(s / 86_400).toFixed(1)} d` : s >= 3600 ? `${(s / 3600).toFixed(1)} h` : `${Math.round(s / 60)} min`;
const configText = (c: FleetEntry['config']) =>
  !c ? '—' : `${c.source} ${c.version ?? 'none'} ${c.state}${c.pending && c.state !== 'rejected' ? ` (pending ${c.expected})` : ''}`;
const out = (v: unknown): void => void process.stdout.write(`${JSON.stringify(v, null, 2)}\n`);

/** `vigil fleet list` and `vigil fleet config …`: which agent runs which version and configuration; the central configuration's layers. */
export function fleetCommand(): Command {
  const cmd = new Command('fleet').description('the agents: versions, configuration (central or local), OS, uptime, spool; central configuration');
  conn(cmd.command('list').description('every agent of the clients you may see'))
    .option('--client <id>', 'only this client')
    .option('--outdated', `only agents not running this CLI's version (${VERSION})`)
    .option('--json', 'print JSON')
    .action(async (o: Conn & { client?: string; json?: boolean; outdated?: boolean }) => {
      const q = o.client ? `?client=${encodeURIComponent(o.client)}` : '';
      let { agents } = (await callApi(targetFrom(o), 'GET', `/api/v1/fleet${q}`)) as { agents: FleetEntry[] };
      if (o.outdated) agents = agents.filter((a) => a.version !== VERSION);
      if (o.json) return out(agents);
      for (const a of agents) {
        const spool = a.spool ? `spool ${a.spool.batches} batches, ${a.spool.droppedSamples} dropped` : 'spool —';
        process.stdout.write(
          `${a.agent.padEnd(28)} ${a.client}/${a.site}  v${a.version ?? '?'}  config ${configText(a.config)}  ${a.os ?? '—'}  up ${span(a.uptimeSeconds)}` +
            `  seen ${ago(a.lastSeen)}${a.reachable ? '' : ' (unreachable)'}  ${spool}\n`,
        );
        if (a.config?.state === 'rejected') {
          process.stdout.write(`    rejected ${a.config.rejectedVersion}; ${a.config.version ?? 'nothing'} keeps running:\n`);
          for (const p of a.config.problems) process.stdout.write(`      ${p.path}: ${p.message}\n`);
        }
      }
    });
  const config = cmd.command('config').description('central configuration: client templates, site and agent overrides (fleet.configDir, admin)');
  conn(config.command('list').description('every layer and the problems of the config dir')).action(async (o: Conn) =>
    out(await callApi(targetFrom(o), 'GET', '/api/v1/fleet/config')),
  );
  layerOpts(config.command('show').description('one layer as stored')).action(async (o: LayerOpts) => out(await callApi(targetFrom(o), 'GET', layerPath(o))));
  layerOpts(config.command('put').description('write one layer from a YAML file (checks, remove, defaults, labels)'))
    .requiredOption('-f, --file <file>', 'the layer as YAML')
    .action(async (o: LayerOpts & { file: string }) => {
      const r = (await callApi(targetFrom(o), 'PUT', layerPath(o), readYamlFile(o.file) ?? {})) as {
        layer: string;
        agents: Array<{ agent: string; version: string | null }>;
      };
      process.stdout.write(`${r.layer}: written; ${r.agents.length} agent(s) take it at their next heartbeat\n`);
      for (const a of r.agents) process.stdout.write(`  ${a.agent} → ${a.version ?? '(a broken layer: nothing new)'}\n`);
    });
  layerOpts(config.command('delete').description('delete one layer')).action(async (o: LayerOpts) => out(await callApi(targetFrom(o), 'DELETE', layerPath(o))));
  conn(config.command('reload').description('read edited files of the config dir now (it is also checked every fleet.reloadInterval)')).action(
    async (o: Conn) => out(await callApi(targetFrom(o), 'POST', '/api/v1/fleet/config/reload')),
  );
  conn(config.command('resolved').description("an agent's configuration as it gets it: version, layers, where each check came from"))
    .requiredOption('--agent <id>', 'agent id')
    .action(async (o: Conn & { agent: string }) => out(await callApi(targetFrom(o), 'GET', `/api/v1/fleet/agents/${encodeURIComponent(o.agent)}/config`)));
  return cmd;
}
