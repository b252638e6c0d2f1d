import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { DefinitionFile } from '../sla/definition-schema.js';

/** The published JSON Schema of SLA definition files (TypeBox schemas are JSON Schema), written by `npm run dashboards`. */
export function definitionJsonSchema(): string {
  return JSON.stringify({ $schema: 'http://json-schema.org/draft-07/schema#', title: 'Vigil SLA definition', ...DefinitionFile }, null, 2) + '\n';
}

export const SCHEMA_PATH = fileURLToPath(new URL('../sla/definition.schema.json', import.meta.url)).replace('/dist/', '/');

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) writeFileSync(SCHEMA_PATH, definitionJsonSchema());
