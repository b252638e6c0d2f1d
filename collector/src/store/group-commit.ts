/**
 * Group commit: items submitted in the same turn of the event loop are written by one
 * call (one transaction, one WAL write or fsync for many batches), and each caller is
 * answered only after that commit. If the group fails, every item is retried alone, so
 * one bad batch cannot fail the others.
 */
export class GroupCommit<T, R> {
  private group: Array<{ item: T; resolve: (r: R) => void; reject: (e: unknown) => void }> = [];

  constructor(
    private readonly many: (items: T[]) => Promise<R[]>,
    private readonly one: (item: T) => Promise<R>,
    private readonly max = 64,
  ) {}

  submit(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.group.push({ item, resolve, reject });
      if (this.group.length === 1) setImmediate(() => void this.flush(this.take()));
      else if (this.group.length >= this.max) void this.flush(this.take());
    });
  }

  private take() {
    const mine = this.group;
    this.group = [];
    return mine;
  }

  private async flush(mine: ReturnType<GroupCommit<T, R>['take']>): Promise<void> {
    if (mine.length === 0) return;
    try {
      const out = await this.many(mine.map((g) => g.item));
      mine.forEach((g, i) => g.resolve(out[i]!));
    } catch {
      // in submission order, so of two copies of one batch the first is the one stored
      for (const g of mine) await this.one(g.item).then(g.resolve, g.reject);
    }
  }
}
