import { createServer, type Server } from 'node:http';
import { freePort } from '../helpers/net.js';

/**
 * A loopback HTTP target that answers 200 "ok" and can be stopped: stopping closes the
 * listening socket and every open connection, so probes get "connection refused" as from a
 * crashed service, not a polite 503.
 */
export interface Target {
  readonly name: string;
  readonly port: number;
  readonly url: string;
  stop(): Promise<void>;
  start(): Promise<void>;
}

export async function startTarget(name: string): Promise<Target> {
  const port = await freePort();
  let server: Server | undefined;
  const target: Target = {
    name,
    port,
    url: `http://127.0.0.1:${port}/`,
    start: () =>
      new Promise((resolve, reject) => {
        const s = createServer((_req, res) => res.end('ok'));
        s.once('error', reject);
        s.listen(port, '127.0.0.1', () => {
          server = s;
          resolve();
        });
      }),
    stop: () =>
      new Promise((resolve) => {
        const s = server;
        server = undefined;
        if (!s) return resolve();
        s.closeAllConnections();
        s.close(() => resolve());
      }),
  };
  await target.start();
  return target;
}

export async function startTargets(n: number): Promise<Target[]> {
  const out: Target[] = [];
  for (let i = 1; i <= n; i++) out.push(await startTarget(`t${String(i).padStart(2, '0')}`));
  return out;
}
