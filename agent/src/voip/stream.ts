import { createSocket } from 'node:dgram';

export interface StreamResult {
  sent: number;
  received: number;
  lossRatio: number;
  /** RFC 3550 interarrival jitter, ms. */
  jitterMs: number;
  rttAvgMs: number;
  rttMinMs: number;
  rttMaxMs: number;
}

const RTP_HEADER = 12;
const G711_PAYLOAD = 160; // 20 ms of 8 kHz G.711

/**
 * Sends `packets` RTP-sized datagrams (12-byte RTP header + 160-byte payload) every
 * `intervalMs` to an echo responder and measures what comes back: loss, round-trip times
 * and RFC 3550 jitter (J += (|D| − J) / 16) over the returned packets' transit times.
 * Duplicates are ignored; reordered packets count once.
 */
export function runStream(o: { host: string; port: number; packets: number; intervalMs: number; signal: AbortSignal; waitMs?: number }): Promise<StreamResult> {
  return new Promise((resolve) => {
    const sock = createSocket(o.host.includes(':') ? 'udp6' : 'udp4');
    const sentAt = new Map<number, number>();
    const rtts = new Map<number, number>();
    let jitter = 0;
    let lastTransit: number | undefined;
    let timer: NodeJS.Timeout | undefined;
    let seq = 0;
    const finish = () => {
      clearInterval(timer);
      o.signal.removeEventListener('abort', finish);
      sock.close();
      const values = [...rtts.values()];
      const received = values.length;
      resolve({
        sent: seq, received, lossRatio: seq === 0 ? 1 : 1 - received / seq, jitterMs: jitter,
        rttAvgMs: received ? values.reduce((a, b) => a + b, 0) / received : 0,
        rttMinMs: received ? Math.min(...values) : 0, rttMaxMs: received ? Math.max(...values) : 0,
      });
    };
    sock.on('message', (msg) => {
      if (msg.length < RTP_HEADER) return;
      const n = msg.readUInt16BE(2);
      const t0 = sentAt.get(n);
      if (t0 === undefined || rtts.has(n)) return;
      const transit = performance.now() - t0;
      rtts.set(n, transit);
      if (lastTransit !== undefined) jitter += (Math.abs(transit - lastTransit) - jitter) / 16;
      lastTransit = transit;
    });
    o.signal.addEventListener('abort', finish, { once: true });
    sock.bind(0, () => {
      const send = () => {
        if (seq >= o.packets) {
          clearInterval(timer);
          setTimeout(finish, o.waitMs ?? 500);
          return;
        }
        const pkt = Buffer.alloc(RTP_HEADER + G711_PAYLOAD);
        pkt[0] = 0x80; // RTP v2
        pkt[1] = 0; // PT 0 = PCMU
        pkt.writeUInt16BE(seq, 2);
        pkt.writeUInt32BE((seq * G711_PAYLOAD) >>> 0, 4);
        pkt.writeUInt32BE(0x56494749, 8); // SSRC "VIGI"
        sentAt.set(seq, performance.now());
        seq++;
        sock.send(pkt, o.port, o.host);
      };
      send();
      timer = setInterval(send, o.intervalMs);
    });
  });
}
