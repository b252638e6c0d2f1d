// PLACEHOLDER — replaced by the owner of this file.
/** Expand `type: cloud` checks (template: m365 | google-workspace | statuspage) into concrete checks, before validation. */
export function expandCloudTemplates(rawChecks: unknown[]): unknown[] {
  return rawChecks;
}
