import type { Problem } from '../../../shared/errors.js';
import type { NotificationMessage } from './channel.js';
import { truncate } from './format.js';

/**
 * JSON body templates with `{{placeholders}}`, for PSA ticket APIs. The template is parsed
 * as JSON once, at start-up, and placeholders are filled in the parsed tree, so a value
 * can never break the JSON (quotes, newlines and backslashes in a title are escaped by
 * JSON.stringify) and a field can carry a typed value:
 *
 * - a string that is exactly one placeholder, `"{{incident.id}}"`, takes the value's own
 *   type (number stays number); when the value is absent the field is left out, and an
 *   object that becomes empty that way is left out too;
 * - a placeholder inside longer text is replaced by its text ('' when absent);
 * - `{{name:N}}` cuts the text to N characters, for vendors that reject long fields.
 */

export type TemplateValue = string | number | undefined;
export type Lookup = (name: string) => TemplateValue;

const PLACEHOLDER = /\{\{\s*([A-Za-z][\w.]*)\s*(?::\s*(\d+)\s*)?\}\}/g;
const WHOLE = /^\{\{\s*([A-Za-z][\w.]*)\s*(?::\s*(\d+)\s*)?\}\}$/;
const OMIT = Symbol('omit');

/** Every placeholder name used anywhere in a template (keys are not templated). */
export function placeholderNames(node: unknown, out = new Set<string>()): Set<string> {
  if (typeof node === 'string') for (const m of node.matchAll(PLACEHOLDER)) out.add(m[1]!);
  else if (Array.isArray(node)) for (const v of node) placeholderNames(v, out);
  else if (node !== null && typeof node === 'object') for (const v of Object.values(node)) placeholderNames(v, out);
  return out;
}

/** `{{` that is not a well-formed placeholder is almost always a typo; say where. */
export function malformedPlaceholders(node: unknown, path: string, out: Problem[] = []): Problem[] {
  if (typeof node === 'string') {
    const rest = node.replace(PLACEHOLDER, '');
    if (rest.includes('{{') || rest.includes('}}'))
      out.push({ path, message: `malformed placeholder in "${truncate(node, 80)}" (expected {{name}} or {{name:maxLength}})` });
  } else if (Array.isArray(node)) node.forEach((v, i) => malformedPlaceholders(v, `${path}/${i}`, out));
  else if (node !== null && typeof node === 'object') for (const [k, v] of Object.entries(node)) malformedPlaceholders(v, `${path}/${k}`, out);
  return out;
}

export function renderTemplate(node: unknown, lookup: Lookup): unknown {
  const out = render(node, lookup);
  return out === OMIT ? {} : out;
}

function render(node: unknown, lookup: Lookup): unknown {
  if (typeof node === 'string') return renderString(node, lookup);
  if (Array.isArray(node)) return node.map((v) => render(v, lookup)).filter((v) => v !== OMIT);
  if (node === null || typeof node !== 'object') return node;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node)) {
    const r = render(v, lookup);
    if (r !== OMIT) out[k] = r;
  }
  return Object.keys(out).length === 0 && Object.keys(node).length > 0 ? OMIT : out;
}

function renderString(s: string, lookup: Lookup): unknown {
  const whole = WHOLE.exec(s);
  if (whole) {
    const v = lookup(whole[1]!);
    if (v === undefined) return OMIT;
    return typeof v === 'string' && whole[2] ? truncate(v, Number(whole[2])) : v;
  }
  return s.replace(PLACEHOLDER, (_m, name: string, max: string | undefined) => {
    const v = lookup(name);
    const text = v === undefined ? '' : String(v);
    return max ? truncate(text, Number(max)) : text;
  });
}

const MESSAGE_KEYS = ['event', 'title', 'text', 'severity', 'client', 'service', 'priority', 'sentAt', 'ackUrl', 'incidentUrl', 'escalationLevel'] as const;
const INCIDENT_KEYS = [
  'id',
  'kind',
  'status',
  'startedAt',
  'detectedAt',
  'acknowledgedAt',
  'acknowledgedBy',
  'resolvedAt',
  'durationSeconds',
  'membersDown',
  'site',
] as const;

/** Names a template may use besides `fields.*` and the channel's own derived ones. */
export const MESSAGE_PLACEHOLDERS: readonly string[] = [...MESSAGE_KEYS, ...INCIDENT_KEYS.map((k) => `incident.${k}`)];

/** The message's own fields by placeholder name; membersDown as one comma-separated text. */
export function messageValue(msg: NotificationMessage, name: string): TemplateValue {
  if (name.startsWith('incident.')) {
    const key = name.slice('incident.'.length);
    if (!(INCIDENT_KEYS as readonly string[]).includes(key)) return undefined;
    const v = msg.incident[key as (typeof INCIDENT_KEYS)[number]];
    return Array.isArray(v) ? v.join(', ') : v;
  }
  if (!(MESSAGE_KEYS as readonly string[]).includes(name)) return undefined;
  return msg[name as (typeof MESSAGE_KEYS)[number]];
}
