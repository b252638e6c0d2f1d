import type { Problem } from '../../../shared/errors.js';
import { validator } from '../../../shared/validate.js';
import { googleWorkspaceTemplate } from './google-workspace.js';
import { microsoft365Template } from './microsoft-365.js';
import { statuspageTemplate } from './statuspage.js';
import type { CloudTemplate } from './template.js';

export type TemplateRegistry = ReadonlyMap<string, CloudTemplate>;

export function defaultTemplates(): TemplateRegistry {
  const templates = [microsoft365Template, googleWorkspaceTemplate, statuspageTemplate] as unknown as CloudTemplate[];
  return new Map(templates.map((t) => [t.name, t]));
}

/** A check entry to validate, with the path its problems are reported at. */
export interface CheckEntry {
  path: string;
  check: unknown;
}

const ID = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,99}$/;
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Replaces every `{ id, template, … }` entry of `checks` by the concrete checks its template
 * produces (`<id>.<part>`, reported at `/checks/3(m365.login)`), carrying the entry's interval,
 * timeout, retries and labels. Problems of the entry itself (unknown template, bad or missing
 * options, unknown part) go to `problems` at the entry's path, and the entry yields no checks.
 * Entries without `template` pass through unchanged at `/checks/<i>`.
 */
export function expandTemplates(
  checks: readonly unknown[],
  problems: Problem[],
  baseDir: string,
  templates: TemplateRegistry = defaultTemplates(),
): CheckEntry[] {
  const out: CheckEntry[] = [];
  const validators = new Map<string, ReturnType<typeof validator>>();
  checks.forEach((c, i) => {
    const path = `/checks/${i}`;
    if (!isObject(c) || !('template' in c)) return void out.push({ path, check: c });
    const before = problems.length;
    const problem = (at: string, message: string) => problems.push({ path: `${path}${at}`, message });
    const { id, template, interval, timeout, retries, labels, parts, ...options } = c;
    if ('type' in c) problem('/type', 'a check has either `type` or `template`, not both');
    if (typeof id !== 'string' || !ID.test(id))
      problem('/id', 'must be an identifier of up to 100 characters (letters, digits, _ . : -), the prefix of the checks the template creates');
    const t = typeof template === 'string' ? templates.get(template) : undefined;
    if (!t) return void problem('/template', `unknown template ${JSON.stringify(template)}; known: ${[...templates.keys()].join(', ')}`);
    let v = validators.get(t.name);
    if (!v) validators.set(t.name, (v = validator(t.options)));
    for (const p of v.problems(options)) problem(p.path === '/' ? '' : p.path, p.message);
    if (parts !== undefined && (!Array.isArray(parts) || parts.length === 0)) problem('/parts', `must be a non-empty list of: ${t.parts.join(', ')}`);
    else if (Array.isArray(parts))
      parts.forEach(
        (p, j) => t.parts.includes(p as string) || problem(`/parts/${j}`, `unknown part ${JSON.stringify(p)}; ${t.name} has: ${t.parts.join(', ')}`),
      );
    if (problems.length > before) return;
    const expanded = t.expand(options as never, { baseDir, problem });
    const chosen = Array.isArray(parts) ? expanded.filter((p) => parts.includes(p.part)) : expanded;
    if (Array.isArray(parts))
      for (const p of parts)
        if (!chosen.some((x) => x.part === p)) problem('/parts', `part "${String(p)}" needs options that are not set (e.g. tenant, domain, healthTokenFile)`);
    if (problems.length > before) return;
    for (const p of chosen) {
      const common = { interval, timeout, retries, labels };
      for (const k of Object.keys(common) as Array<keyof typeof common>) if (common[k] === undefined) delete common[k];
      out.push({ path: `${path}(${String(id)}.${p.part})`, check: { id: `${String(id)}.${p.part}`, ...p.check, ...common } });
    }
  });
  return out;
}
