import { readFileSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { parseAllDocuments, parse as parseYaml, stringify } from 'yaml';
import { VigilError } from '../shared/errors.js';
import { parseDefinition } from '../shared/sla/definition.js';
import type { DefinitionFile } from '../shared/sla/definition-schema.js';
import { fromOpenSlo, toOpenSlo } from '../shared/sla/openslo.js';

/** `vigil sla export --format openslo` and `vigil sla import`: the OpenSLO v1 part of a definition (shared/sla/openslo.ts). */
export function registerSlaOpenSlo(sla: Command): void {
  sla
    .command('export')
    .description('a definition as OpenSLO v1 SLO documents (what OpenSLO cannot say rides in vigil.dev/* annotations)')
    .requiredOption('--definition <file>', 'SLA definition YAML')
    .option('--format <format>', 'openslo', 'openslo')
    .option('--out <file>', 'write here (default: stdout)')
    .action((o: { definition: string; format: string; out?: string }) => {
      const text = exportOpenSlo(readFileSync(o.definition, 'utf8'), o.definition, o.format);
      if (o.out) writeFileSync(o.out, text);
      else process.stdout.write(text);
    });
  sla
    .command('import')
    .description('OpenSLO v1 SLO documents as a Vigil definition; says what it assumed or left out')
    .argument('<file>', 'OpenSLO YAML (one or more documents)')
    .option('--client <id>', 'the client (default: the vigil.dev/client annotation or spec.service)')
    .option('--out <file>', 'write the definition here (default: stdout)')
    .action((file: string, o: { client?: string; out?: string }) => {
      const { text, notes } = importOpenSlo(readFileSync(file, 'utf8'), file, o.client);
      for (const n of notes) process.stderr.write(`note: ${n}\n`);
      if (o.out) writeFileSync(o.out, text);
      else process.stdout.write(text);
    });
}

export function exportOpenSlo(text: string, source: string, format = 'openslo'): string {
  if (format !== 'openslo') throw new VigilError('QUERY_INVALID', `--format must be openslo, not "${format}"`);
  parseDefinition(text, source); // valid first: every problem with its path
  return toOpenSlo(parseYaml(text) as DefinitionFile)
    .map((d) => stringify(d, { lineWidth: 0 }))
    .join('---\n');
}

/** The definition YAML (validated like any definition file) and the notes on what was assumed or left out. */
export function importOpenSlo(text: string, source: string, client?: string): { text: string; notes: string[] } {
  const docs = parseAllDocuments(text);
  const bad = docs.flatMap((d, i) => d.errors.map((e) => ({ path: `/${i}`, message: e.message })));
  if (bad.length > 0) throw new VigilError('DEFINITION_INVALID', `${source}: not valid YAML`, bad);
  const { file, notes } = fromOpenSlo(
    docs.map((d) => d.toJS()),
    client ? { client } : {},
  );
  const out = stringify(file, { lineWidth: 0 });
  parseDefinition(out, `${source} (imported)`);
  return { text: out, notes };
}
