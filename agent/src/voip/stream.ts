import { createSocket } from 'node:dgram';
import { pace } from '../probes/pacer.js';

export interface StreamResult {
  sent: number;
  received: number;
  lossRatio: number;
  /** RFC 3550 interarrival jitter, ms. */
  jitterMs: number;
  rttAvgMs: number;
  rttMinMs: number;
  rttMaxMs: number;
  /** Socket error that ended the stream early (ECONNREFUSED: nothing listens at the far end). */
  error?: string;
}

const RTP_HEADER = 12;
const G711_PAYLOAD = 160; // 20 ms of 8 kHz G.711

/**
 * Sends `packets` RTP-sized datagrams (12-byte RTP header + 160-byte payload) every
 * `intervalMs` to an echo responder and measures what comes back: loss, round-trip times
 * and RFC 3550 jitter (J += (|D| − J) / 16) over the returned packets' transit times.
 * Duplicates are ignored; reordered packets count once. The socket is connected once (no
 * per-packet address handling), packets go out on the shared pacer's ticks, and the stream
 * ends as soon as every packet is back, or `waitMs` after the last send for stragglers.
 */
export function runStream(o: { host: string; port: number; packets: number; intervalMs: number; signal: AbortSignal; waitMs?: number }): Promise<StreamResult> {
  return new Promise((resolve) => {
    const sock = createSocket(o.host.includes(':') ? 'udp6' : 'udp4');
    const sentAt: number[] = [];
    const rtts = new Map<number, number>();
    let jitter = 0;
    let lastTransit: number | undefined;
    let stopPacing = (): void => undefined;
    let wait: NodeJS.Timeout | undefined;
    let done = false;
    let error: string | undefined;
    const finish = () => {
      if (done) return;
      done = true;
      stopPacing();
      clearTimeout(wait);
      o.signal.removeEventListener('abort', finish);
      sock.close();
      const values = [...rtts.values()];
      const received = values.length;
      const sent = sentAt.length;
      resolve({
        sent, received, lossRatio: sent === 0 ? 1 : 1 - received / sent, jitterMs: jitter,
        rttAvgMs: received ? values.reduce((a, b) => a + b, 0) / received : 0,
        rttMinMs: received ? Math.min(...values) : 0, rttMaxMs: received ? Math.max(...values) : 0, ...(error ? { error } : {}),
      });
    };
    sock.on('message', (msg) => {
      if (msg.length < RTP_HEADER) return;
      const n = msg.readUInt16BE(2);
      const t0 = sentAt[n];
      if (t0 === undefined || rtts.has(n)) return;
      const transit = performance.now() - t0;
      rtts.set(n, transit);
      if (lastTransit !== undefined) jitter += (Math.abs(transit - lastTransit) - jitter) / 16;
      lastTransit = transit;
      if (rtts.size === o.packets) finish();
    });
    sock.on('error', (e: NodeJS.ErrnoException) => {
      error = e.code ?? e.message;
      finish();
    });
    o.signal.addEventListener('abort', finish, { once: true });
    const send = (): boolean => {
      if (done) return false;
      const seq = sentAt.length;
      const pkt = Buffer.allocUnsafe(RTP_HEADER + G711_PAYLOAD).fill(0xff, RTP_HEADER); // 0xFF = μ-law silence
      pkt[0] = 0x80; // RTP v2
      pkt[1] = 0; // PT 0 = PCMU
      pkt.writeUInt16BE(seq & 0xffff, 2);
      pkt.writeUInt32BE((seq * G711_PAYLOAD) >>> 0, 4);
      pkt.writeUInt32BE(0x56494749, 8); // SSRC "VIGI"
      sentAt.push(performance.now());
      sock.send(pkt);
      if (sentAt.length < o.packets) return true;
      wait = setTimeout(finish, o.waitMs ?? 500);
      return false;
    };
    sock.connect(o.port, o.host, () => {
      if (!done) stopPacing = pace(o.intervalMs, send);
    });
  });
}
