import { Type } from 'typebox';
import { defineProbe } from './types.js';

// PLACEHOLDER — replaced by the owner of this file.
export const icmpProbe = defineProbe({
  type: 'icmp',
  options: Type.Object({}),
  describe: () => 'icmp',
  run: async () => ({ status: 'down', reason: 'error', message: 'not implemented', durationMs: 0, metrics: {} }),
});
