import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { VigilError, type Problem } from '../errors.js';
import { type ParseOptions, parseDefinition } from '../sla/definition.js';
import type { SlaDefinition } from '../sla/types.js';

/*
 * The file side of SLA definitions: shared/sla/ parses YAML text and does no I/O, these read
 * the files (the collector's slaDir, `vigil sla compute --definition`).
 */

export function loadDefinitionFile(path: string, opts: ParseOptions = {}): SlaDefinition {
  return parseDefinition(readFileSync(path, 'utf8'), path, opts);
}

/** Every *.yaml / *.yml in `dir` (all versions of all clients); all files' problems reported together. */
export function loadDefinitionsDir(dir: string, opts: ParseOptions = {}): SlaDefinition[] {
  const defs: SlaDefinition[] = [];
  const problems: Problem[] = [];
  for (const name of readdirSync(dir)
    .filter((n) => /\.ya?ml$/.test(n))
    .sort()) {
    try {
      defs.push(loadDefinitionFile(join(dir, name), opts));
    } catch (e) {
      if (!(e instanceof VigilError)) throw e;
      problems.push(...e.problems.map((p) => ({ path: `${name}${p.path}`, message: p.message })));
    }
  }
  if (problems.length > 0) throw new VigilError('DEFINITION_INVALID', `SLA definitions in ${dir} are invalid (${problems.length} problems)`, problems);
  return defs;
}
