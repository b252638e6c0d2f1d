/**
 * Serialises async work per key (FIFO); different keys run concurrently. The state engine
 * plans a client's check states from its in-memory copy, writes them, then commits the
 * copy: nothing else may touch that client's checks in between.
 */
export class KeyedLock {
  private readonly tails = new Map<string, Promise<unknown>>();

  run<T>(key: string, f: () => Promise<T>): Promise<T> {
    const prev = this.tails.get(key) ?? Promise.resolve();
    const p = prev.then(f);
    const tail = p.catch(() => undefined);
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return p;
  }

  /** Resolves when everything queued now under every key is done. */
  async idle(): Promise<void> {
    await Promise.all([...this.tails.values()]);
  }
}
