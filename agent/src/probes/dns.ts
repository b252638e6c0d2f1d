import { Type } from 'typebox';
import { defineProbe } from './types.js';

// PLACEHOLDER — replaced by the owner of this file.
export const dnsProbe = defineProbe({
  type: 'dns',
  options: Type.Object({}),
  describe: () => 'dns',
  run: async () => ({ status: 'down', reason: 'error', message: 'not implemented', durationMs: 0, metrics: {} }),
});
