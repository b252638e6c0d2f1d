import { randomInt } from 'node:crypto';
import { createRequire } from 'node:module';
import { endianness } from 'node:os';

const require = createRequire(import.meta.url);
interface RawSocket {
  setOption(level: number, option: number, value: Buffer, length: number): void;
}
export interface PingSession {
  pingHost(target: string, cb: (err: Error | null, target: string, sent?: Date, rcvd?: Date) => void): void;
  close(): void;
  getSocket(): RawSocket;
}
const netPing = require('net-ping') as { createSession(o: object): PingSession };

/** A net-ping session of its own (the ICMP preflight's try); throws without CAP_NET_RAW. */
export function createPingSession(o: object): PingSession {
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

  /** The shared session for this per-packet timeout; throws when it cannot be made (no CAP_NET_RAW) or the runtime is closed. */
  session(timeoutMs: number): PingSession {
    if (this.closed) throw new Error('the probe runtime is closed');
    let s = this.sessions.get(timeoutMs);
    if (!s) {
      s = netPing.createSession({ retries: 0, timeout: timeoutMs, packetSize: 64, sessionId: randomInt(1, 0xffff) });
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
