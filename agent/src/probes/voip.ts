import { Type } from 'typebox';
import { defineProbe } from './types.js';

// PLACEHOLDER — replaced by the owner of this file.
export const voipProbe = defineProbe({
  type: 'voip',
  options: Type.Object({}),
  describe: () => 'voip',
  run: async () => ({ status: 'down', reason: 'error', message: 'not implemented', durationMs: 0, metrics: {} }),
});
