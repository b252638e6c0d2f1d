import { requireNative } from './native-require.js';

/** The voipStream result (agent/native/src/rtp_stream.c). */
export interface NativeStreamResult {
  sent: number;
  received: number;
  jitterMs: number;
  rttAvgMs: number;
  rttMinMs: number;
  rttMaxMs: number;
  error?: string;
}

/** What agent/native (package `vigil-agent-native`) exports once built. */
export interface NativeAddon {
  /** glibc malloc_trim(0): true when pages went back to the system, undefined without glibc. */
  mallocTrim(): boolean | undefined;
  /** Linux only: a VoIP test stream with kernel receive timestamps; returns its id. Throws (code = errno name) when the socket cannot be made. */
  voipStream?(address: string, family: 4 | 6, port: number, packets: number, intervalMs: number, waitMs: number, done: (r: NativeStreamResult) => void): number;
  voipCancel?(id: number): void;
}

/**
 * The native addon, or null when it is not there (not built: no C compiler when `npm ci`
 * ran, or an install without optional dependencies). The agent works the same without it,
 * with more resident memory and more CPU per VoIP packet (docs/agent-footprint.md).
 * The agent loads it once, through its ProbeRuntime (agent/src/probes/runtime.ts).
 */
export function loadNativeAddon(req: (id: 'vigil-agent-native') => unknown = requireNative): NativeAddon | null {
  try {
    const addon = req('vigil-agent-native') as NativeAddon | null;
    return addon && typeof addon.mallocTrim === 'function' ? addon : null;
  } catch {
    return null;
  }
}
