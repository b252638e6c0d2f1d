import { createSocket } from 'node:dgram';

export interface ResponderHandle {
  port: number;
  close(): Promise<void>;
}

/** UDP echo responder for VoIP path probes: every datagram goes straight back to its sender. */
export async function startEchoResponder(opts: { host: string; port: number }): Promise<ResponderHandle> {
  const sock = createSocket(opts.host.includes(':') ? 'udp6' : 'udp4');
  sock.on('message', (msg, rinfo) => sock.send(msg, rinfo.port, rinfo.address));
  await new Promise<void>((resolve, reject) => {
    sock.once('error', reject);
    sock.bind(opts.port, opts.host, () => resolve());
  });
  return { port: sock.address().port, close: () => new Promise((r) => sock.close(() => r())) };
}
