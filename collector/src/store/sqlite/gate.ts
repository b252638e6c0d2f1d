/** Runs a synchronous SQLite call and hands its result back as a Promise. */
export type Run = <T>(f: () => T) => Promise<T>;

/**
 * better-sqlite3 is synchronous and has one connection: while an async transaction is
 * open (awaiting between statements), any other call would land inside it. The gate
 * queues such calls until the transaction ends; with no transaction open a call runs at
 * once (the hot path pays nothing).
 */
export class Gate {
  private tail: Promise<unknown> = Promise.resolve();
  private holders = 0;

  /** Calls from outside a transaction. */
  readonly run: Run = <T>(f: () => T): Promise<T> => {
    if (this.holders === 0) {
      try {
        return Promise.resolve(f());
      } catch (e) {
        return Promise.reject(e);
      }
    }
    return this.exclusive(async () => f());
  };

  /** Runs `f` alone: after everything queued before it, before anything queued after. */
  exclusive<T>(f: () => Promise<T>): Promise<T> {
    this.holders++;
    const p = this.tail.then(f);
    this.tail = p.catch(() => undefined);
    return p.finally(() => {
      this.holders--;
    });
  }
}

/** Calls made inside a transaction run directly. */
export const direct: Run = <T>(f: () => T): Promise<T> => {
  try {
    return Promise.resolve(f());
  } catch (e) {
    return Promise.reject(e);
  }
};
