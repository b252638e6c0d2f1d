import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { freePort, startChild, tempDir, waitFor, type Child } from './net.js';

export interface Kamailio {
  /** UDP and TCP, both on 127.0.0.1. */
  port: number;
  child: Child;
  stop(): Promise<void>;
}

/**
 * PEERS.md's minimal config, with one twist so both outcomes are testable: OPTIONS to
 * `sip:ping@…` or to the bare host get 200, any other user (e.g. `sip:nobody@…`) gets 404.
 */
const config = (port: number) => `#!KAMAILIO
debug=1
log_stderror=yes
children=1
tcp_children=1
listen=udp:127.0.0.1:${port}
listen=tcp:127.0.0.1:${port}
loadmodule "sl.so"
loadmodule "pv.so"
loadmodule "xlog.so"
request_route {
  if ($rm == "OPTIONS" && ($rU == $null || $rU == "ping")) { sl_send_reply("200", "OK"); exit; }
  sl_send_reply("404", "Not Found");
}
`;

export interface SipsakResult {
  exitCode: number;
  output: string;
}

/** Debian's sipsak as an independent SIP client: `-vv` prints the reply, `-H` keeps its Via on loopback. */
export function sipsak(uri: string, transport: 'udp' | 'tcp' = 'udp'): Promise<SipsakResult> {
  return new Promise((resolve) => {
    execFile('sipsak', ['-vv', '-s', uri, '-H', '127.0.0.1', '-E', transport], { timeout: 10_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      resolve({ exitCode: code, output: `${stdout}${stderr}` });
    });
  });
}

const tcpOpen = (port: number) =>
  new Promise<boolean>((resolve) => {
    const s = connect({ host: '127.0.0.1', port });
    const done = (open: boolean) => {
      s.destroy();
      resolve(open);
    };
    s.once('connect', () => done(true)).once('error', () => done(false));
  });

/** A real Kamailio on a free loopback port in a temp dir; ready once it answers OPTIONS over UDP and accepts TCP. */
export async function startKamailio(): Promise<Kamailio> {
  const dir = tempDir();
  const port = await freePort();
  const cfg = join(dir.path, 'kamailio.cfg');
  writeFileSync(cfg, config(port));
  // -DD: stay in the foreground (so SIGTERM to this pid stops the children); -w/-Y: work and runtime dirs in the temp dir.
  const child = startChild('kamailio', ['-f', cfg, '-DD', '-E', '-w', dir.path, '-Y', dir.path]);
  const stop = async () => {
    await child.stop();
    dir.remove();
  };
  try {
    await waitFor(
      async () => {
        if (child.proc.exitCode !== null) throw new Error(`kamailio exited with ${child.proc.exitCode}`);
        const r = await sipsak(`sip:ping@127.0.0.1:${port}`);
        return (r.exitCode === 0 && (await tcpOpen(port))) || undefined;
      },
      'kamailio answering OPTIONS',
      30_000,
      200,
    );
  } catch (e) {
    await stop();
    throw new Error(`${(e as Error).message}\n${child.output()}`);
  }
  return { port, child, stop };
}
