import type { Static, TSchema } from 'typebox';

/** One concrete check a template produces: its id becomes `<entry id>.<part>`; `check` holds `type` and the probe's options. */
export interface TemplatePart {
  part: string;
  check: { type: string } & Record<string, unknown>;
}

export interface TemplateContext {
  /** Directory of the agent config: relative file options (token files) resolve against it. */
  baseDir: string;
  /** Reports a problem at a path relative to the template entry (`/services`), for rules a schema cannot say. */
  problem(path: string, message: string): void;
}

/**
 * A cloud service as a set of concrete checks. `options` is the TypeBox schema of the entry's
 * template options (every problem reported with its path at config load); `parts` lists every
 * part the template can produce, for the entry's `parts: [...]` filter.
 */
export interface CloudTemplate<S extends TSchema = TSchema> {
  readonly name: string;
  readonly options: S;
  readonly parts: readonly string[];
  expand(options: Static<S>, ctx: TemplateContext): TemplatePart[];
}

/** Helper so each template file gets its option type inferred from its schema. */
export function defineTemplate<S extends TSchema>(t: CloudTemplate<S>): CloudTemplate<S> {
  return t;
}
