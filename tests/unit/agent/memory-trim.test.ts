import { describe, expect, it } from 'vitest';
import { HeapTrimmer } from '../../../agent/src/memory-trim.js';
import { loadNativeAddon } from '../../../agent/src/native.js';

describe('HeapTrimmer: returns freed C-heap memory when a round is over, at most once per gap', () => {
  it('trims on the first idle, then not again before the gap; counts trims that released memory', () => {
    let now = 1_000;
    const calls: number[] = [];
    let result: boolean | undefined = true;
    const t = new HeapTrimmer(() => (calls.push(now), result), { now: () => now }, 10_000);
    expect(t.enabled).toBe(true);
    t.idle();
    now += 9_999;
    t.idle();
    expect(calls).toEqual([1_000]);
    now += 1;
    result = false;
    t.idle();
    expect(calls).toEqual([1_000, 11_000]);
    expect({ trims: t.trims, released: t.released }).toEqual({ trims: 2, released: 1 });
  });

  it('without the addon it does nothing', () => {
    const t = new HeapTrimmer(undefined, { now: () => 0 }, 0);
    t.idle();
    expect({ enabled: t.enabled, trims: t.trims }).toEqual({ enabled: false, trims: 0 });
  });
});

describe('loadNativeAddon: the agent runs without the addon when it was not built', () => {
  it('null when the package is missing or does not export mallocTrim', () => {
    expect(
      loadNativeAddon(() => {
        throw Object.assign(new Error('nope'), { code: 'MODULE_NOT_FOUND' });
      }),
    ).toBeNull();
    expect(loadNativeAddon(() => null)).toBeNull(); // index.cjs: build/Release missing
    expect(loadNativeAddon(() => ({ mallocTrim: 1 }))).toBeNull();
  });

  it('the addon as npm ci builds it (agent/native, optional dependency vigil-agent-native)', () => {
    const addon = loadNativeAddon();
    expect(addon, 'agent/native not built: npm ci builds it with node-gyp (needs a C compiler, like net-ping)').not.toBeNull();
    expect(typeof addon!.mallocTrim()).toBe('boolean'); // glibc on the Linux this runs on
  });
});
