import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const RULES = join(process.cwd(), 'dashboards/rules');

/** The rule files Vigil ships (dashboards/rules/*.yml). */
export const ruleFiles = () =>
  readdirSync(RULES)
    .filter((f) => f.endsWith('.yml'))
    .map((f) => join(RULES, f));

/**
 * Copies of the rule files in `dir` for a test Prometheus, without the groups' own `interval:` (the
 * dashboards' groups run every minute in production): every group then evaluates at the test's
 * global 1 s, so a test waits seconds, not minutes, for recorded data. The rules are the same.
 */
export function everySecond(dir: string): string[] {
  return ruleFiles().map((f) => {
    const copy = join(dir, f.slice(RULES.length + 1));
    writeFileSync(copy, readFileSync(f, 'utf8').replace(/^ {4}interval: \S+\n/gm, ''));
    return copy;
  });
}
