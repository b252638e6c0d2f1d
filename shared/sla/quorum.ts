import type { DowntimeRule, MemberState } from './types.js';

/** How many known-down members make the service down, for a service of `memberCount` members. */
export function downThreshold(rule: DowntimeRule, memberCount: number): number {
  if ('membersDown' in rule.when) return rule.when.membersDown;
  // membersDownPercent: 50 over 3 members → 2 (ceil of 1.5): at least that share must be down.
  return Math.max(1, Math.ceil((rule.when.membersDownPercent / 100) * memberCount - 1e-9));
}

/**
 * Service state from member states: down when known-down members reach the rule;
 * else unknown when known-down plus unknown members would reach it; else up.
 */
export function evaluateServiceState(down: number, unknown: number, threshold: number): MemberState {
  if (down >= threshold) return 'down';
  if (down + unknown >= threshold) return 'unknown';
  return 'up';
}

export function serviceStateOf(rule: DowntimeRule, members: readonly string[], stateOf: (check: string) => MemberState): MemberState {
  let down = 0;
  let unknown = 0;
  for (const m of members) {
    const s = stateOf(m);
    if (s === 'down') down++;
    else if (s === 'unknown') unknown++;
  }
  return evaluateServiceState(down, unknown, downThreshold(rule, members.length));
}
