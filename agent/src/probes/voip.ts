import { Type } from 'typebox';
import { estimateMos, rFactor } from '../voip/emodel.js';
import { runStream } from '../voip/stream.js';
import { defineProbe, type ProbeResult } from './types.js';

const Options = Type.Object(
  {
    host: Type.String({ minLength: 1 }),
    port: Type.Integer({ minimum: 1, maximum: 65535 }),
    packets: Type.Optional(Type.Integer({ minimum: 5, maximum: 3000 })),
    intervalMs: Type.Optional(Type.Integer({ minimum: 5, maximum: 200 })),
    /** Below it the check is degraded (judged in quality.ts, default 3.5). */
    mosThreshold: Type.Optional(Type.Number({ minimum: 1, maximum: 4.5 })),
  },
  { additionalProperties: false },
);

/**
 * VoIP path quality: an RTP-like G.711 stream (20 ms spacing) to a `vigil agent responder`,
 * MOS by the E-model with one-way delay = RTT / 2. The probe measures; judgeQuality (quality.ts)
 * makes a result below `mosThreshold` degraded.
 */
export const voipProbe = defineProbe({
  type: 'voip',
  options: Options,
  paced: true,
  describe: (o) => `udp://${o.host}:${o.port}`,
  async run(o, ctx): Promise<ProbeResult> {
    const t0 = performance.now();
    const s = await runStream({ host: o.host, port: o.port, packets: o.packets ?? 50, intervalMs: o.intervalMs ?? 20, signal: ctx.signal }, ctx.runtime);
    const durationMs = performance.now() - t0;
    if (s.error === 'ECONNREFUSED')
      return {
        status: 'down',
        reason: 'refused',
        message: `nothing answers on udp ${o.host}:${o.port} (port unreachable): is \`vigil agent responder\` running?`,
        durationMs,
        metrics: { loss_ratio: 1 },
      };
    if (s.received === 0)
      return {
        status: 'down',
        reason: ctx.signal.aborted ? 'timeout' : 'loss',
        message: `no packet of ${s.sent} came back${s.error ? ` (${s.error})` : ''}`,
        durationMs,
        metrics: { loss_ratio: 1 },
      };
    const q = { oneWayDelayMs: s.rttAvgMs / 2, jitterMs: s.jitterMs, lossRatio: s.lossRatio };
    const mos = estimateMos(q);
    const metrics = {
      mos,
      r_factor: rFactor(q),
      loss_ratio: s.lossRatio,
      jitter_seconds: s.jitterMs / 1000,
      rtt_avg_seconds: s.rttAvgMs / 1000,
      latency_one_way_seconds: s.rttAvgMs / 2000,
      packets_sent: s.sent,
    };
    return { status: 'up', durationMs, metrics };
  },
});
