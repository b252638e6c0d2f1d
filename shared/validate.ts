import type { TSchema, Static } from 'typebox';
import { Compile } from 'typebox/compile';
import { VigilError, type ErrorKey, type Problem } from './errors.js';

/**
 * Compiled validator around a TypeBox schema. `parse` returns the typed value or
 * throws a VigilError listing *every* problem with its path (not just the first).
 */
export interface Validator<S extends TSchema> {
  check(value: unknown): value is Static<S>;
  problems(value: unknown): Problem[];
  parse(value: unknown, key?: ErrorKey, what?: string): Static<S>;
}

export function validator<S extends TSchema>(schema: S): Validator<S> {
  const compiled = Compile(schema);
  const problems = (value: unknown): Problem[] => {
    const out: Problem[] = [];
    const seen = new Set<string>();
    for (const e of compiled.Errors(value)) {
      // anyOf branches report one error per branch plus a summary; keep the summary only.
      if (e.keyword === 'const' && e.schemaPath.includes('anyOf')) continue;
      let message = e.message;
      const params = e.params as Record<string, unknown> | undefined;
      if (e.keyword === 'additionalProperties' && params && Array.isArray(params.additionalProperties)) {
        message = `unknown field(s): ${(params.additionalProperties as string[]).join(', ')}`;
      }
      if (e.keyword === 'required' && params && Array.isArray(params.requiredProperties)) {
        message = `missing required field(s): ${(params.requiredProperties as string[]).join(', ')}`;
      }
      if (e.keyword === 'boolean') continue; // duplicated by additionalProperties
      const key = `${e.instancePath}|${message}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push({ path: e.instancePath || '/', message });
    }
    return out;
  };
  return {
    check: (value: unknown): value is Static<S> => compiled.Check(value),
    problems,
    parse(value: unknown, key: ErrorKey = 'BODY_INVALID', what = 'input'): Static<S> {
      if (compiled.Check(value)) return value as Static<S>;
      const list = problems(value);
      throw new VigilError(key, `${what} is invalid (${list.length} problem${list.length === 1 ? '' : 's'})`, list);
    },
  };
}
