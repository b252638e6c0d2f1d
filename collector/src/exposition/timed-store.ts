import type { Histogram } from 'prom-client';
import type { Store } from '../store/types.js';

/** The Store's parts whose methods are timed (every async method of each). */
const PARTS = ['agents', 'checks', 'incidents', 'outbox', 'exclusions', 'settings', 'apiTokens', 'audit', 'reports'] as const;

/**
 * The store with every call timed into `histogram` by `operation` (`checks.ingestBatch`,
 * `transaction` …): what the collector waits for its database, on SQLite and PostgreSQL alike.
 * Methods run on the real objects (`this` is never the proxy); a call that returns no promise
 * is passed through untimed. The operation names are the Store contract's method names, so the
 * label set is bounded by that contract.
 */
export function timedStore(store: Store, histogram: Histogram<'operation'>): Store {
  const timed = <T extends object>(part: T, prefix: string): T => {
    const cache = new Map<PropertyKey, unknown>();
    return new Proxy(part, {
      get(target, prop) {
        const value = Reflect.get(target, prop, target) as unknown;
        if (typeof value !== 'function' || typeof prop !== 'string') return value;
        let wrapped = cache.get(prop);
        if (wrapped === undefined) {
          const operation = prefix ? `${prefix}.${prop}` : prop;
          const fn = value as (...args: unknown[]) => unknown;
          wrapped = (...args: unknown[]) => {
            const t0 = performance.now();
            const out = fn.apply(target, args);
            if (out instanceof Promise) {
              const done = () => histogram.observe({ operation }, (performance.now() - t0) / 1000);
              out.then(done, done);
            }
            return out;
          };
          cache.set(prop, wrapped);
        }
        return wrapped;
      },
    });
  };
  const parts = new WeakMap<object, object>();
  const top = timed(store, '');
  return new Proxy(store, {
    get(target, prop) {
      if (prop === 'transaction') return top.transaction;
      const value = Reflect.get(target, prop, target) as unknown;
      if (typeof prop !== 'string' || !(PARTS as readonly string[]).includes(prop) || typeof value !== 'object' || value === null) return value;
      let part = parts.get(value);
      if (part === undefined) {
        part = timed(value, prop);
        parts.set(value, part);
      }
      return part;
    },
  });
}
