import { Type } from 'typebox';
import { defineProbe } from './types.js';

// PLACEHOLDER — replaced by the owner of this file.
export const httpProbe = defineProbe({
  type: 'http',
  options: Type.Object({}),
  describe: () => 'http',
  run: async () => ({ status: 'down', reason: 'error', message: 'not implemented', durationMs: 0, metrics: {} }),
});
