import { Type } from 'typebox';
import { defineProbe } from './types.js';

// PLACEHOLDER — replaced by the owner of this file.
export const tcpProbe = defineProbe({
  type: 'tcp',
  options: Type.Object({}),
  describe: () => 'tcp',
  run: async () => ({ status: 'down', reason: 'error', message: 'not implemented', durationMs: 0, metrics: {} }),
});
