/**
 * A binary min-heap of (due time, item): the probe scheduler pops what is due in O(log n) instead
 * of scanning every check on each step. Entries are never updated in place; a caller pushes again
 * when an item's due time changes and discards stale pops (lazy deletion).
 */
export class DueHeap<T> {
  private dues: number[] = [];
  private items: T[] = [];

  get size(): number {
    return this.dues.length;
  }

  clear(): void {
    this.dues = [];
    this.items = [];
  }

  push(due: number, item: T): void {
    const d = this.dues;
    const it = this.items;
    let i = d.length;
    d.push(due);
    it.push(item);
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (d[p]! <= due) break;
      d[i] = d[p]!;
      it[i] = it[p]!;
      i = p;
    }
    d[i] = due;
    it[i] = item;
  }

  /** The earliest due time, or undefined when empty. */
  peekDue(): number | undefined {
    return this.dues[0];
  }

  /** Removes and returns the earliest entry. */
  pop(): { due: number; item: T } | undefined {
    const d = this.dues;
    const it = this.items;
    if (d.length === 0) return undefined;
    const top = { due: d[0]!, item: it[0]! };
    const lastDue = d.pop()!;
    const lastItem = it.pop()!;
    const n = d.length;
    if (n > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= n) break;
        const r = l + 1;
        const c = r < n && d[r]! < d[l]! ? r : l;
        if (d[c]! >= lastDue) break;
        d[i] = d[c]!;
        it[i] = it[c]!;
        i = c;
      }
      d[i] = lastDue;
      it[i] = lastItem;
    }
    return top;
  }
}
