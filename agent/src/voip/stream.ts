import { createSocket } from 'node:dgram';
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import type { NativeAddon } from '../native.js';
import type { Pacer } from '../probes/pacer.js';

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

export interface StreamOptions {
  host: string;
  port: number;
  packets: number;
  intervalMs: number;
  signal: AbortSignal;
  waitMs?: number;
  /**
   * `native` (default when agent/native is built, on Linux): the agent's native stream thread,
   * with the kernel's receive timestamp of every echo; `js`: Node's dgram socket and the shared
   * pacer, timestamps when JavaScript reads an echo. `VIGIL_VOIP_ENGINE=js` picks js for the agent.
   */
  engine?: 'native' | 'js';
}

/** What a stream uses of the agent's ProbeRuntime: the native addon (or null) and the shared pacer. */
export interface StreamRuntime {
  readonly native: NativeAddon | null;
  readonly pacer: Pacer;
}

/** The same stream, by the native engine when there is one (see StreamOptions.engine). */
export function runStream(o: StreamOptions, rt: StreamRuntime): Promise<StreamResult> {
  const engine = o.engine ?? (process.env.VIGIL_VOIP_ENGINE === 'js' ? 'js' : 'native');
  const addon = engine === 'native' ? rt.native : null;
  // an IPv6 zone (fe80::1%eth0) needs the interface index: Node's socket resolves it, the native engine does not
  const native = addon?.voipStream && addon.voipCancel && !o.host.includes('%');
  return native ? runNativeStream(o, addon as Required<NativeAddon>) : runJsStream(o, rt.pacer);
}

/**
 * agent/native/src/rtp_stream.c: one native thread runs every stream; it wakes once per tick
 * and reads the echoes that came back since with their kernel arrival times, so the agent is
 * not woken per echo and an echo's round-trip time does not include the agent's own latency.
 */
async function runNativeStream(o: StreamOptions, addon: Required<NativeAddon>): Promise<StreamResult> {
  const failed = (error: string): StreamResult => ({ sent: 0, received: 0, lossRatio: 1, jitterMs: 0, rttAvgMs: 0, rttMinMs: 0, rttMaxMs: 0, error });
  let address = o.host.replace(/^\[(.*)\]$/, '$1');
  let family = isIP(address);
  if (family === 0) {
    try {
      ({ address, family } = await lookup(address, { family: 4 })); // a name resolves as the JS engine's udp4 socket does
    } catch (e) {
      return failed((e as NodeJS.ErrnoException).code ?? 'EAI_FAIL');
    }
  }
  if (o.signal.aborted) return failed('ABORT_ERR');
  return new Promise((resolve) => {
    let id: number;
    const cancel = () => addon.voipCancel(id);
    try {
      id = addon.voipStream(address, family === 6 ? 6 : 4, o.port, o.packets, o.intervalMs, o.waitMs ?? 500, (r) => {
        o.signal.removeEventListener('abort', cancel);
        resolve({ ...r, lossRatio: r.sent === 0 ? 1 : 1 - r.received / r.sent });
      });
    } catch (e) {
      return resolve(failed((e as NodeJS.ErrnoException).code ?? (e as Error).message));
    }
    o.signal.addEventListener('abort', cancel, { once: true });
  });
}

/**
 * Sends `packets` RTP-sized datagrams (12-byte RTP header + 160-byte payload) every
 * `intervalMs` to an echo responder and measures what comes back: loss, round-trip times
 * and RFC 3550 jitter (J += (|D| − J) / 16) over the returned packets' transit times.
 * Duplicates are ignored; reordered packets count once. The socket is connected once (no
 * per-packet address handling), packets go out on the shared pacer's ticks, and the stream
 * ends as soon as every packet is back, or `waitMs` after the last send for stragglers.
 */
export function runJsStream(o: StreamOptions, pacer: Pacer): Promise<StreamResult> {
  return new Promise((resolve) => {
    const sock = createSocket(o.host.includes(':') ? 'udp6' : 'udp4');
    // per packet: send time, then its round-trip time (NaN until it is back); the stream's
    // hot path (one send per tick, one echo per packet) allocates nothing but the datagram
    const sentAt = new Float64Array(o.packets);
    const rtt = new Float64Array(o.packets).fill(NaN);
    let sent = 0;
    let received = 0;
    let jitter = 0;
    let lastTransit = NaN;
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
      let sum = 0;
      let min = Infinity;
      let max = 0;
      for (let i = 0; i < sent; i++) {
        const t = rtt[i]!;
        if (Number.isNaN(t)) continue; // lost
        sum += t;
        if (t < min) min = t;
        if (t > max) max = t;
      }
      resolve({
        sent,
        received,
        lossRatio: sent === 0 ? 1 : 1 - received / sent,
        jitterMs: jitter,
        rttAvgMs: received ? sum / received : 0,
        rttMinMs: received ? min : 0,
        rttMaxMs: max,
        ...(error ? { error } : {}),
      });
    };
    sock.on('message', (msg: Buffer) => {
      if (msg.length < RTP_HEADER) return;
      const n = (msg[2]! << 8) | msg[3]!;
      if (n >= sent || !Number.isNaN(rtt[n]!)) return; // not ours, or a duplicate
      const transit = performance.now() - sentAt[n]!;
      rtt[n] = transit;
      received++;
      if (!Number.isNaN(lastTransit)) jitter += (Math.abs(transit - lastTransit) - jitter) / 16;
      lastTransit = transit;
      if (received === o.packets) finish();
    });
    sock.on('error', (e: NodeJS.ErrnoException) => {
      error = e.code ?? e.message;
      finish();
    });
    o.signal.addEventListener('abort', finish, { once: true });
    // The whole stream's packets, built up front in one buffer: RTP v2, PT 0 (PCMU), SSRC "VIGI",
    // μ-law silence (0xFF), sequence and timestamp per packet. A send passes a view of its packet
    // (no copy, no backing store per packet) and nothing is written to a packet once it is sent.
    const PKT = RTP_HEADER + G711_PAYLOAD;
    const packets = new Uint8Array(o.packets * PKT).fill(0xff);
    const header = [0x80, 0, 0, 0, 0, 0, 0, 0, 0x56, 0x49, 0x47, 0x49];
    for (let seq = 0, at = 0; seq < o.packets; seq++, at += PKT) {
      const ts = (seq * G711_PAYLOAD) >>> 0;
      packets.set(header, at);
      packets[at + 2] = (seq >> 8) & 0xff;
      packets[at + 3] = seq & 0xff;
      packets[at + 4] = ts >>> 24;
      packets[at + 5] = (ts >>> 16) & 0xff;
      packets[at + 6] = (ts >>> 8) & 0xff;
      packets[at + 7] = ts & 0xff;
    }
    const send = (): boolean => {
      if (done) return false;
      const seq = sent++;
      const pkt = packets.subarray(seq * PKT, seq * PKT + PKT);
      sentAt[seq] = performance.now();
      sock.send(pkt);
      if (sent < o.packets) return true;
      wait = setTimeout(finish, o.waitMs ?? 500);
      return false;
    };
    sock.connect(o.port, o.host, () => {
      if (!done) stopPacing = pacer.pace(o.intervalMs, send);
    });
  });
}
