import { connect } from 'node:net';
import { Type } from 'typebox';
import { classifyError } from './classify-error.js';
import { defineProbe } from './types.js';

const Options = Type.Object({ host: Type.String({ minLength: 1 }), port: Type.Integer({ minimum: 1, maximum: 65535 }) }, { additionalProperties: false });

/** TCP connect time. */
export const tcpProbe = defineProbe({
  type: 'tcp',
  options: Options,
  describe: (o) => `${o.host}:${o.port}`,
  run: (o, ctx) =>
    new Promise((resolve) => {
      const t0 = performance.now();
      const socket = connect({ host: o.host, port: o.port });
      const finish = (r: Parameters<typeof resolve>[0]) => {
        ctx.signal.removeEventListener('abort', onAbort);
        socket.destroy();
        resolve(r);
      };
      const onAbort = () => finish({ status: 'down', reason: 'timeout', message: 'timed out', durationMs: performance.now() - t0, metrics: {} });
      ctx.signal.addEventListener('abort', onAbort, { once: true });
      socket.once('connect', () => {
        const s = (performance.now() - t0) / 1000;
        finish({ status: 'up', durationMs: s * 1000, metrics: { connect_seconds: s } });
      });
      socket.once('error', (e) => finish({ status: 'down', ...classifyError(e), durationMs: performance.now() - t0, metrics: {} }));
    }),
});
