import { createRequire } from 'node:module';

/** The agent's packages with compiled addons: raw ICMP sockets, and agent/native (malloc_trim, VoIP stream thread). */
export type NativePackage = 'net-ping' | 'vigil-agent-native';

/**
 * Loads one of the agent's native packages from node_modules; throws when it is not installed
 * or its addon cannot be loaded. The single-file build (agent/sea/build.mjs) swaps this file for
 * agent/sea/native-require.ts, which loads the same packages bundled in the executable and their
 * addons from its assets: the only difference between the two builds, kept in one seam.
 */
export function requireNative(id: NativePackage): unknown {
  return createRequire(import.meta.url)(id);
}
