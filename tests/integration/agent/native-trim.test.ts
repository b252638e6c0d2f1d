import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * agent/native's mallocTrim in a separate Node process: memory freed in the middle of the C
 * heap stays resident until it is trimmed. The child mallocs 96 × 32 KiB (ArrayBuffer backing
 * stores come from malloc; 32 KiB is below glibc's mmap threshold), keeps one later block so
 * the freed ones are not at the top of the heap, drops the rest, collects them, and reads
 * VmRSS before and after the trim.
 */
const CHILD = `
const { createRequire } = require('node:module');
const addon = createRequire(${JSON.stringify(join(process.cwd(), 'dist/agent/vigil-agent.mjs'))})('vigil-agent-native');
const rss = () => Number(/VmRSS:\\s+(\\d+)/.exec(require('node:fs').readFileSync('/proc/self/status', 'utf8'))[1]);
let blocks = Array.from({ length: 96 }, () => Buffer.allocUnsafeSlow(32 * 1024).fill(1));
const pin = Buffer.allocUnsafeSlow(32 * 1024).fill(2);
blocks = null;
globalThis.gc(); globalThis.gc();
const before = rss();
const released = addon.mallocTrim();
const after = rss();
console.log(JSON.stringify({ before, after, released, pin: pin[0] }));
`;

describe('vigil-agent-native: malloc_trim gives freed heap pages back (Linux, glibc)', () => {
  it("found from the bundled agent's location, and RSS drops by most of 3 MB freed mid-heap", () => {
    const r = spawnSync('node', ['--expose-gc', '-e', CHILD], { encoding: 'utf8', env: { ...process.env, GLIBC_TUNABLES: '' } });
    expect(r.status, r.stderr).toBe(0);
    const { before, after, released } = JSON.parse(r.stdout) as { before: number; after: number; released: boolean };
    expect(released).toBe(true);
    expect(before - after).toBeGreaterThan(2 * 1024); // kB: of the 3 MB freed
  });
});
