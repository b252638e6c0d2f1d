/**
 * Serialises async work per key (FIFO); work on disjoint keys runs concurrently. The state
 * engine plans check states from its in-memory copy, writes them, then commits the copy:
 * nothing else may touch those checks in between. A task takes all its keys at once
 * (registered synchronously behind each key's current tail), so two tasks can never wait
 * on each other in a cycle.
 */
export class KeyedLock {
  private readonly tails = new Map<string, Promise<unknown>>();

  run<T>(keys: string | readonly string[], f: () => Promise<T>): Promise<T> {
    const list = typeof keys === 'string' ? [keys] : [...new Set(keys)];
    const before: Promise<unknown>[] = [];
    for (const k of list) {
      const t = this.tails.get(k);
      if (t) before.push(t);
    }
    const p = (before.length === 0 ? Promise.resolve() : before.length === 1 ? before[0]! : Promise.all(before)).then(f);
    const tail = p.catch(() => undefined);
    for (const k of list) this.tails.set(k, tail);
    void tail.then(() => {
      for (const k of list) if (this.tails.get(k) === tail) this.tails.delete(k);
    });
    return p;
  }

  /** Resolves when everything queued now under every key is done. */
  async idle(): Promise<void> {
    await Promise.all([...this.tails.values()]);
  }
}
