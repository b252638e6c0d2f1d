import { Type } from 'typebox';
import { isVigilError, VigilError } from '../../../shared/errors.js';
import { estimateMos } from '../voip/emodel.js';
import { createPingSession, type PingSession } from './ping-sessions.js';
import { defineProbe, type ProbeResult } from './types.js';

const Options = Type.Object(
  {
    host: Type.String({ pattern: '^[0-9.]+$', description: 'IPv4 address' }),
    packets: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
    spacingMs: Type.Optional(Type.Integer({ minimum: 10, maximum: 5000 })),
    /** Below it the check is degraded (judged in quality.ts, default 3.5). */
    mosThreshold: Type.Optional(Type.Number({ minimum: 1, maximum: 4.5 })),
  },
  { additionalProperties: false },
);

const FIX =
  'run the agent as root, or grant the capability: `setcap cap_net_raw+ep $(readlink -f $(which node))`, or AmbientCapabilities=CAP_NET_RAW in the systemd unit (install/systemd/vigil-agent.service)';

/** ICMP echo rounds: loss, min/avg/max RTT, jitter and an E-model MOS estimate (one-way = RTT/2). Any loss is degraded. */
export const icmpProbe = defineProbe({
  type: 'icmp',
  options: Options,
  paced: true,
  describe: (o) => o.host,
  async preflight() {
    try {
      createPingSession({ retries: 0, timeout: 100 }).close();
    } catch (e) {
      if (isVigilError(e)) throw e; // the addon is missing: another fix than the capability
      throw new VigilError('PERMISSION', `ICMP checks need raw sockets (${(e as Error).message}): ${FIX}`);
    }
  },
  async run(o, ctx): Promise<ProbeResult> {
    const t0 = performance.now();
    const count = o.packets ?? 5;
    const perTimeout = Math.max(100, Math.floor(ctx.timeoutMs / count));
    let session: PingSession;
    try {
      session = ctx.runtime.icmp.session(perTimeout);
    } catch (e) {
      if (ctx.runtime.closed) return { status: 'down', reason: 'error', message: (e as Error).message, durationMs: 0, metrics: {} };
      if (isVigilError(e)) return { status: 'down', reason: 'error', message: `${e.code}: ${e.message}`, durationMs: 0, metrics: {} };
      return { status: 'down', reason: 'permission', message: `${(e as Error).message}: ${FIX}`, durationMs: 0, metrics: {} };
    }
    // `ping -i` style: one echo request per spacing on the shared pacer, replies as they come
    const replies: Array<number | undefined> = [];
    await new Promise<void>((resolve) => {
      let sent = 0;
      let answered = 0;
      const stop = ctx.runtime.pacer.pace(o.spacingMs ?? 100, () => {
        if (ctx.signal.aborted) return false;
        const i = sent++;
        const s = performance.now();
        session.pingHost(o.host, (err) => {
          replies[i] = err ? undefined : performance.now() - s;
          if (++answered === count) resolve();
        });
        return sent < count;
      });
      ctx.signal.addEventListener(
        'abort',
        () => {
          stop();
          resolve();
        },
        { once: true },
      );
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
      loss_ratio: loss,
      rtt_min_seconds: Math.min(...rtts) / 1000,
      rtt_avg_seconds: avg / 1000,
      rtt_max_seconds: Math.max(...rtts) / 1000,
      jitter_seconds: jitter / 1000,
      mos,
    };
    if (loss > 0) return { status: 'degraded', reason: 'loss', message: `${(loss * 100).toFixed(0)} % loss`, durationMs, metrics };
    return { status: 'up', durationMs, metrics }; // MOS against mosThreshold: judgeQuality (quality.ts)
  },
});
