import { createSecureContext, type SecureContext } from 'node:tls';
import { loadNativeAddon, type NativeAddon } from '../native.js';
import { HttpConnections } from './http-connections.js';
import { Pacer } from './pacer.js';
import { PingSessions } from './ping-sessions.js';

/**
 * One TLS context per check (keyed by its options object), built once: building one costs more
 * CPU than the handshake on a small host. Held by the agent's ProbeRuntime; a context is plain
 * memory (no socket, no timer), so there is nothing to close.
 */
export class TlsContexts {
  private readonly contexts = new Map<object, SecureContext>();

  contextFor(o: object): SecureContext {
    let c = this.contexts.get(o);
    if (!c) this.contexts.set(o, (c = createSecureContext()));
    return c;
  }
}

export interface ProbeRuntimeOptions {
  /** How the native addon is found (tests pass a fake or `() => null`); default loadNativeAddon. */
  loadNative?: () => NativeAddon | null;
}

/**
 * Everything probes keep between runs: sockets, clients, contexts, timers, the native addon.
 * One per agent (startAgent) or per `vigil agent run-once`, given to every probe in its
 * ProbeContext and closed when the agent stops, so no probe holds state in a module variable
 * (a second agent in the same process, or a test, starts from nothing and leaves nothing open).
 * State is keyed by a check's options object, which lives as long as the agent's config.
 */
export class ProbeRuntime {
  /** One timer per packet spacing for every paced sender (ICMP rounds, VoIP streams in JS). */
  readonly pacer = new Pacer();
  /** HTTP probe: connector, TLS context and undici Clients per check. */
  readonly http = new HttpConnections();
  /** ICMP probe: one shared raw socket per per-packet timeout. */
  readonly icmp = new PingSessions();
  /** TLS probe: one SecureContext per check. */
  readonly tls = new TlsContexts();
  private addon: NativeAddon | null | undefined;
  private closing: Promise<void> | undefined;

  constructor(private readonly options: ProbeRuntimeOptions = {}) {}

  /** agent/native (VoIP stream thread, malloc_trim), or null when it is not built; loaded on first use. */
  get native(): NativeAddon | null {
    if (this.addon === undefined) this.addon = (this.options.loadNative ?? loadNativeAddon)();
    return this.addon;
  }

  /** close() was called: caches keep nothing new and the ICMP probe refuses to open a socket. */
  get closed(): boolean {
    return this.closing !== undefined;
  }

  /**
   * Clears the pacer's timers, closes the raw ICMP sockets and destroys the undici Clients.
   * Call after the checks were aborted (Scheduler.close): a request still running fails, an
   * ICMP round still waiting gets its outstanding replies as errors. Idempotent.
   */
  close(): Promise<void> {
    // the pacer first: a paced step after its socket closed would make net-ping open a new one
    this.closing ??= (async () => {
      this.pacer.close();
      this.icmp.close();
      await this.http.close();
    })();
    return this.closing;
  }
}
