import { resolve } from 'node:path';
import { Type, type Static } from 'typebox';
import { DurationSchema as Duration, parseDurationMs } from '../../../shared/sla/duration.js';

/** `fleet:` of collector.yaml (README, "Central configuration and the fleet"). */
export const FleetSection = Type.Object(
  {
    /** The central configuration's layer files; absent: no central configuration (agents run their agent.yaml). */
    configDir: Type.Optional(Type.String({ minLength: 1 })),
    /** How often the dir is checked for edited files (default 5s; 0: only on POST /api/v1/fleet/config/reload and API writes). */
    reloadInterval: Type.Optional(Duration),
  },
  { additionalProperties: false },
);
export type FleetSection = Static<typeof FleetSection>;

export interface FleetSettings {
  configDir: string | undefined;
  reloadIntervalMs: number;
}

export function fleetSettings(s: FleetSection | undefined, baseDir: string): FleetSettings {
  return {
    configDir: s?.configDir === undefined ? undefined : resolve(baseDir, s.configDir),
    reloadIntervalMs: s?.reloadInterval === undefined ? 5000 : (parseDurationMs(s.reloadInterval) ?? 5000),
  };
}
