import type { NativePackage } from '../src/native-require.js';

/**
 * agent/src/native-require.ts in the single-file agent (the build swaps the file): the two
 * packages are bundled into the executable, and their `require('./build/Release/*.node')` is
 * rewritten by the build to load that addon from the executable's assets (agent/sea/addon.ts).
 * A `require` a bundler resolves, so net-ping and raw-socket are loaded only when an ICMP check
 * first needs a socket, as from node_modules.
 */
export function requireNative(id: NativePackage): unknown {
  if (id === 'net-ping') return require('net-ping');
  return require('vigil-agent-native');
}
