import { Type } from 'typebox';
import { defineProbe } from './types.js';

// PLACEHOLDER — replaced by the owner of this file.
export const tlsProbe = defineProbe({
  type: 'tls',
  options: Type.Object({}),
  describe: () => 'tls',
  run: async () => ({ status: 'down', reason: 'error', message: 'not implemented', durationMs: 0, metrics: {} }),
});
