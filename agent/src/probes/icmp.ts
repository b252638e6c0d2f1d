import { randomInt } from 'node:crypto';
import { createRequire } from 'node:module';
import { endianness } from 'node:os';
import { Type } from 'typebox';
import { VigilError } from '../../../shared/errors.js';
import { estimateMos } from '../voip/emodel.js';
import { pace } from './pacer.js';
import { defineProbe, type ProbeResult } from './types.js';

const require = createRequire(import.meta.url);
interface RawSocket { setOption(level: number, option: number, value: Buffer, length: number): void }
interface PingSession { pingHost(target: string, cb: (err: Error | null, target: string, sent?: Date, rcvd?: Date) => void): void; close(): void; getSocket(): RawSocket }
const netPing = require('net-ping') as { createSession(o: object): PingSession };

const Options = Type.Object(
  {
    host: Type.String({ pattern: '^[0-9.]+$', description: 'IPv4 address' }),
    packets: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
    spacingMs: Type.Optional(Type.Integer({ minimum: 10, maximum: 5000 })),
    mosThreshold: Type.Optional(Type.Number({ minimum: 1, maximum: 4.5 })),
  },
  { additionalProperties: false },
);

/**
 * One raw socket per per-packet timeout, shared by every ICMP check (net-ping matches
 * replies by its own ICMP id and sequence): a raw ICMP socket receives a copy of every
 * echo reply on the host, so one socket per check would wake the agent once per reply per
 * check. net-ping pauses the socket while nothing is outstanding. The map is also what keeps
 * a session reachable mid-round (raw-socket does not root its JS wrapper during a send).
 */
const sessions = new Map<number, PingSession>();
function sharedSession(timeoutMs: number): PingSession {
  let s = sessions.get(timeoutMs);
  if (!s) {
    s = netPing.createSession({ retries: 0, timeout: timeoutMs, packetSize: 64, sessionId: randomInt(1, 0xffff) });
    filterReplies(s.getSocket());
    sessions.set(timeoutMs, s);
  }
  return s;
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

const FIX = 'run the agent as root, or grant the capability: `setcap cap_net_raw+ep $(readlink -f $(which node))`, or AmbientCapabilities=CAP_NET_RAW in the systemd unit (install/systemd/vigil-agent.service)';

/** ICMP echo rounds: loss, min/avg/max RTT, jitter and an E-model MOS estimate (one-way = RTT/2). */
export const icmpProbe = defineProbe({
  type: 'icmp',
  options: Options,
  paced: true,
  describe: (o) => o.host,
  async preflight() {
    try {
      netPing.createSession({ retries: 0, timeout: 100 }).close();
    } catch (e) {
      throw new VigilError('PERMISSION', `ICMP checks need raw sockets (${(e as Error).message}): ${FIX}`);
    }
  },
  async run(o, ctx): Promise<ProbeResult> {
    const t0 = performance.now();
    const count = o.packets ?? 5;
    const perTimeout = Math.max(100, Math.floor(ctx.timeoutMs / count));
    let session: PingSession;
    try {
      session = sharedSession(perTimeout);
    } catch (e) {
      return { status: 'down', reason: 'permission', message: `${(e as Error).message}: ${FIX}`, durationMs: 0, metrics: {} };
    }
    // `ping -i` style: one echo request per spacing on the shared pacer, replies as they come
    const replies: Array<number | undefined> = [];
    await new Promise<void>((resolve) => {
      let sent = 0;
      let answered = 0;
      const stop = pace(o.spacingMs ?? 100, () => {
        if (ctx.signal.aborted) return false;
        const i = sent++;
        const s = performance.now();
        session.pingHost(o.host, (err) => {
          replies[i] = err ? undefined : performance.now() - s;
          if (++answered === count) resolve();
        });
        return sent < count;
      });
      ctx.signal.addEventListener('abort', () => {
        stop();
        resolve();
      }, { once: true });
    });
    const rtts = replies.filter((r): r is number => r !== undefined);
    const loss = 1 - rtts.length / count;
    const durationMs = performance.now() - t0;
    if (rtts.length === 0) return { status: 'down', reason: 'loss', message: `no reply to ${count} packets`, durationMs, metrics: { loss_ratio: 1 } };
    const avg = rtts.reduce((a, b) => a + b, 0) / rtts.length;
    let jitter = 0;
    for (let i = 1; i < rtts.length; i++) jitter += Math.abs(rtts[i]! - rtts[i - 1]!);
    jitter = rtts.length > 1 ? jitter / (rtts.length - 1) : 0;
    const mos = estimateMos({ oneWayDelayMs: avg / 2, jitterMs: jitter, lossRatio: loss });
    const metrics = {
      loss_ratio: loss, rtt_min_seconds: Math.min(...rtts) / 1000, rtt_avg_seconds: avg / 1000, rtt_max_seconds: Math.max(...rtts) / 1000,
      jitter_seconds: jitter / 1000, mos,
    };
    if (loss > 0) return { status: 'degraded', reason: 'loss', message: `${(loss * 100).toFixed(0)} % loss`, durationMs, metrics };
    if (mos < (o.mosThreshold ?? 3.5)) return { status: 'degraded', reason: 'mos', message: `MOS ${mos.toFixed(2)}`, durationMs, metrics };
    return { status: 'up', durationMs, metrics };
  },
});
