import type { Problem } from '../../../shared/errors.js';
import type { Channel, NotificationMessage } from './channel.js';
import type { PsaChannelConfig } from './channel-config.js';
import { formatDuration, formatTime, messageFacts, ackLink } from './format.js';
import { channelOptions, postChannel, type ChannelOptions } from './http-post.js';
import { malformedPlaceholders, MESSAGE_PLACEHOLDERS, messageValue, placeholderNames, renderTemplate, type TemplateValue } from './psa-template.js';

/**
 * PSA ticket webhook: one request per event, its body a JSON template (a preset or your
 * own), sent to the vendor's ticket API or to an integration in front of it.
 *
 * Vigil keeps no PSA ticket ids, so it cannot update the ticket it opened. Instead a
 * `incident.resolved` message renders the same template with `{{psaStatus}}` set to
 * `statusMap.resolved` (Autotask preset: 5 = Complete) and `{{details}}` starting with a
 * closing note that names the incident and `{{reference}}` (`vigil-incident-<id>`), so
 * the PSA's merge/close rules — or the dispatcher reading it — can close the first one.
 */

export type PsaPreset = 'connectwise' | 'autotask' | 'halopsa';
export const PSA_PRESETS: readonly PsaPreset[] = ['connectwise', 'autotask', 'halopsa'];

interface Preset {
  template: unknown;
  /** Vigil priority (p1 … p4) → the vendor's priority; `priorityMap` in the config wins. */
  priorityMap: Readonly<Record<string, string | number>>;
  statusMap: Readonly<{ open?: string | number; resolved?: string | number }>;
}

const PRESETS: Readonly<Record<PsaPreset, Preset>> = {
  // ConnectWise Manage: POST {site}/v4_6_release/apis/3.0/service/tickets. Summary max 100.
  // Status names are per board, so status is only sent when statusMap names them.
  connectwise: {
    template: {
      summary: '{{title:100}}',
      company: { identifier: '{{fields.company}}' },
      board: { name: '{{fields.board}}' },
      priority: { name: '{{psaPriority}}' },
      status: { name: '{{psaStatus}}' },
      initialDescription: '{{details}}',
    },
    priorityMap: {
      p1: 'Priority 1 - Emergency Response',
      p2: 'Priority 2 - Quick Response',
      p3: 'Priority 3 - Normal Response',
      p4: 'Priority 4 - Schedule Maintenance',
    },
    statusMap: {},
  },
  // Autotask REST: POST {zone}/ATServicesRest/V1.0/Tickets. Default picklists: priority
  // 4 Critical, 1 High, 2 Medium, 3 Low; status 1 New, 5 Complete. Title 255, description 8000.
  autotask: {
    template: {
      title: '{{title:255}}',
      description: '{{details:8000}}',
      companyID: '{{fields.companyId}}',
      queueID: '{{fields.queueId}}',
      priority: '{{psaPriority}}',
      status: '{{psaStatus}}',
    },
    priorityMap: { p1: 4, p2: 1, p3: 2, p4: 3 },
    statusMap: { open: 1, resolved: 5 },
  },
  // HaloPSA: POST {host}/api/tickets takes an array of tickets. Status ids are per install.
  halopsa: {
    template: [
      {
        summary: '{{title}}',
        details: '{{details}}',
        client_id: '{{fields.clientId}}',
        tickettype_id: '{{fields.ticketTypeId}}',
        priority_id: '{{psaPriority}}',
        status_id: '{{psaStatus}}',
      },
    ],
    priorityMap: { p1: 1, p2: 2, p3: 3, p4: 4 },
    statusMap: {},
  },
};

const DERIVED = ['psaPriority', 'psaStatus', 'details', 'reference', 'deliveryId', 'duration'];

/** The template tree for a config: a preset, a JSON text, or an object/array from YAML. */
export function psaTemplate(cfg: Pick<PsaChannelConfig, 'template'>): { tree?: unknown; problem?: string } {
  const t = cfg.template;
  if (typeof t !== 'string') return { tree: t };
  if ((PSA_PRESETS as readonly string[]).includes(t)) return { tree: PRESETS[t as PsaPreset].template };
  if (!/^\s*[[{]/.test(t)) return { problem: `must be ${PSA_PRESETS.join(', ')} or a JSON template ({…} or […])` };
  try {
    return { tree: JSON.parse(t) as unknown };
  } catch (e) {
    return { problem: `is not valid JSON: ${(e as Error).message}` };
  }
}

/** Start-up checks: the template parses, and every placeholder can have a value. */
export function psaConfigProblems(cfg: PsaChannelConfig, path: string): Problem[] {
  const { tree, problem } = psaTemplate(cfg);
  if (problem) return [{ path: `${path}/template`, message: problem }];
  const problems = malformedPlaceholders(tree, `${path}/template`);
  const fieldNames = new Set([...Object.keys(cfg.fields ?? {}), ...Object.values(cfg.clientFields ?? {}).flatMap((f) => Object.keys(f))]);
  for (const name of placeholderNames(tree)) {
    if (name.startsWith('fields.')) {
      const key = name.slice('fields.'.length);
      if (!fieldNames.has(key))
        problems.push({ path: `${path}/fields`, message: `the template uses {{${name}}}: set fields.${key} (or clientFields.<client>.${key})` });
    } else if (!MESSAGE_PLACEHOLDERS.includes(name) && !DERIVED.includes(name)) {
      problems.push({
        path: `${path}/template`,
        message: `unknown placeholder {{${name}}}; known: ${[...MESSAGE_PLACEHOLDERS, ...DERIVED].join(', ')}, fields.<name>`,
      });
    }
  }
  return problems;
}

export function psaChannel(cfg: PsaChannelConfig, opts?: Partial<ChannelOptions>): Channel {
  const { tree, problem } = psaTemplate(cfg);
  if (problem) throw new Error(`PSA channel ${cfg.name}: template ${problem}`); // buildChannels reports this first
  const preset = typeof cfg.template === 'string' ? PRESETS[cfg.template as PsaPreset] : undefined;
  const priorityMap = { ...preset?.priorityMap, ...cfg.priorityMap };
  const statusMap = { ...preset?.statusMap, ...cfg.statusMap };
  return postChannel(cfg.name, 'psa', channelOptions(cfg.timeout, opts), (msg, deliveryId) => {
    const fields = { ...cfg.fields, ...cfg.clientFields?.[msg.client] };
    const lookup = (name: string): TemplateValue => {
      if (name.startsWith('fields.')) return fields[name.slice('fields.'.length)];
      switch (name) {
        case 'psaPriority':
          return priorityMap[msg.priority] ?? msg.priority;
        case 'psaStatus':
          return msg.event === 'incident.resolved' ? statusMap.resolved : statusMap.open;
        case 'details':
          return psaDetails(msg);
        case 'reference':
          return `vigil-incident-${msg.incident.id}`;
        case 'deliveryId':
          return deliveryId;
        case 'duration':
          return msg.incident.durationSeconds === undefined ? undefined : formatDuration(msg.incident.durationSeconds);
        default:
          return messageValue(msg, name);
      }
    };
    return {
      url: cfg.url,
      method: cfg.method ?? 'POST',
      body: JSON.stringify(renderTemplate(tree, lookup)),
      headers: { ...cfg.headers, 'x-vigil-delivery': deliveryId, 'x-vigil-event': msg.event },
    };
  });
}

/** The ticket description: a closing note first when resolved, then what the engine wrote. */
export function psaDetails(msg: NotificationMessage): string {
  const i = msg.incident;
  const ack = ackLink(msg);
  const when = [i.resolvedAt ? formatTime(i.resolvedAt) : '', i.durationSeconds !== undefined ? `after ${formatDuration(i.durationSeconds)}` : '']
    .filter(Boolean)
    .join(', ');
  const closing =
    msg.event === 'incident.resolved'
      ? [`RESOLVED: Vigil incident #${i.id} is over${when ? ` (${when})` : ''}. This closes the ticket raised for vigil-incident-${i.id}.`, '']
      : [];
  return [
    ...closing,
    msg.text.trimEnd(),
    '',
    ...messageFacts(msg).map((f) => `${f.label}: ${f.value}`),
    ...(ack ? [`Acknowledge: ${ack}`] : []),
    ...(msg.incidentUrl ? [`Incident: ${msg.incidentUrl}`] : []),
    `Reference: vigil-incident-${i.id}`,
  ].join('\n');
}
