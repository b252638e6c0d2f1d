import { randomInt } from 'node:crypto';
import { endianness } from 'node:os';
import { isVigilError, VigilError } from '../../../shared/errors.js';
import { requireNative } from '../native-require.js';

interface RawSocket {
  setOption(level: number, option: number, value: Buffer, length: number): void;
}
export interface PingSession {
  pingHost(target: string, cb: (err: Error | null, target: string, sent?: Date, rcvd?: Date) => void): void;
  close(): void;
  getSocket(): RawSocket;
}
type NetPing = { createSession(o: object): PingSession };

/**
 * net-ping, loaded when the first ICMP socket is made (not at start-up: an agent without ICMP
 * checks never loads its raw-socket addon). Throws VIGIL_ERR_NATIVE_UNAVAILABLE when the addon
 * cannot be loaded (not built, or the single-file agent could not write it to an exec-capable
 * directory), which is not the same fix as a missing CAP_NET_RAW.
 */
export function loadNetPing(req: (id: 'net-ping') => unknown = requireNative): NetPing {
  try {
    const m = req('net-ping') as Partial<NetPing>;
    // a bundle's require returns a module whose first load threw half-initialised
    if (typeof m.createSession !== 'function') throw new Error('net-ping did not initialise (an earlier load failed)');
    return m as NetPing;
  } catch (e) {
    // the single-file agent's loader says itself what it tried and how to fix it
    const why = isVigilError(e)
      ? e.message
      : `it could not be loaded (${(e as Error).message.split('\n')[0]}): reinstall the agent with npm ci (it builds the addon with a C compiler), or install the single-file agent, which carries it`;
    throw new VigilError('NATIVE_UNAVAILABLE', `ICMP checks need the raw-socket addon: ${why}`, [], { cause: e });
  }
}

/** A net-ping session of its own (the ICMP preflight's try); throws without CAP_NET_RAW, or VIGIL_ERR_NATIVE_UNAVAILABLE. */
export function createPingSession(o: object, netPing: NetPing = loadNetPing()): PingSession {
  return netPing.createSession(o);
}

/**
 * One raw socket per per-packet timeout, shared by every ICMP check (net-ping matches
 * replies by its own ICMP id and sequence): a raw ICMP socket receives a copy of every
 * echo reply on the host, so one socket per check would wake the agent once per reply per
 * check. net-ping pauses the socket while nothing is outstanding. The map is also what keeps
 * a session reachable mid-round (raw-socket does not root its JS wrapper during a send).
 * Held by the agent's ProbeRuntime: close() closes every socket.
 */
export class PingSessions {
  private readonly sessions = new Map<number, PingSession>();
  private closed = false;
  /** net-ping, or why it could not be loaded (kept: the next check gets the same answer without a retry). */
  private netPing: NetPing | Error | undefined;

  constructor(private readonly load: () => NetPing = loadNetPing) {}

  /** The shared session for this per-packet timeout; throws when it cannot be made (no CAP_NET_RAW, no addon: a VigilError) or the runtime is closed. */
  session(timeoutMs: number): PingSession {
    if (this.closed) throw new Error('the probe runtime is closed');
    let s = this.sessions.get(timeoutMs);
    if (!s) {
      if (this.netPing === undefined)
        try {
          this.netPing = this.load();
        } catch (e) {
          this.netPing = e as Error;
        }
      if (this.netPing instanceof Error) throw this.netPing;
      s = this.netPing.createSession({ retries: 0, timeout: timeoutMs, packetSize: 64, sessionId: randomInt(1, 0xffff) });
      filterReplies(s.getSocket());
      this.sessions.set(timeoutMs, s);
    }
    return s;
  }

  /** Per-packet timeouts with an open socket (for tests). */
  open(): number[] {
    return [...this.sessions.keys()];
  }

  /** Closes every raw socket; requests still outstanding get their callback with an error (net-ping flushes them). */
  close(): void {
    this.closed = true;
    for (const s of this.sessions.values()) s.close();
    this.sessions.clear();
  }
}

/** ICMP types net-ping reads as answers (IPv4): echo reply, unreachable, source quench, redirect, time exceeded, parameter problem. */
const ANSWER_TYPES = [0, 3, 4, 5, 11, 12];
const SOL_RAW = 255;
const ICMP_FILTER = 1;
/**
 * Linux: the kernel drops every other ICMP type before it reaches the socket (ICMP_FILTER, a
 * bit per type to drop). A raw ICMP socket otherwise wakes the agent for every ICMP packet the
 * host receives: echo requests from whoever pings this endpoint, and for a ping to the agent's
 * own host, a copy of each of its own requests. Elsewhere the option does not exist and net-ping
 * discards those packets itself, as before.
 */
export function filterReplies(socket: RawSocket): boolean {
  const drop = Buffer.alloc(4); // struct icmp_filter { __u32 data; }, host byte order
  const bits = ~ANSWER_TYPES.reduce((m, t) => m | (1 << t), 0) >>> 0;
  if (endianness() === 'LE') drop.writeUInt32LE(bits);
  else drop.writeUInt32BE(bits);
  try {
    socket.setOption(SOL_RAW, ICMP_FILTER, drop, 4);
    return true;
  } catch {
    return false;
  }
}
