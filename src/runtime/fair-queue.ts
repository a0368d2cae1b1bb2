/**
 * A FIFO per lane, served round robin across lanes: with lanes = tenants, one tenant's backlog never sits in front
 * of another tenant's request. A lane that was idle goes to the front when it gets an item (it had no share of the
 * recent service), so a quiet tenant's request is next; busy lanes then take turns. Within a lane, order is kept.
 */
export class FairQueue<T> {
  private readonly lanes = new Map<string, T[]>();
  /** Lanes with items, in service order; the head is served next. */
  private readonly order: string[] = [];
  private size = 0;

  get length(): number {
    return this.size;
  }

  push(lane: string, item: T): void {
    let items = this.lanes.get(lane);
    if (items === undefined) {
      items = [];
      this.lanes.set(lane, items);
      this.order.unshift(lane);
    }
    items.push(item);
    this.size += 1;
  }

  /** The item `shift` would return, left in place. */
  peek(): T | undefined {
    const lane = this.order[0];
    return lane === undefined ? undefined : this.lanes.get(lane)![0];
  }

  /** The next item: the oldest of the lane whose turn it is; that lane then goes to the back. */
  shift(): T | undefined {
    const lane = this.order.shift();
    if (lane === undefined) return undefined;
    const items = this.lanes.get(lane)!;
    const item = items.shift()!;
    this.size -= 1;
    if (items.length > 0) this.order.push(lane);
    else this.lanes.delete(lane);
    return item;
  }

  /** Every item in the order repeated `shift` calls would return them, without removing any. */
  *inServiceOrder(): Generator<{ lane: string; item: T }> {
    const cursors = this.order.map((lane) => ({ lane, items: this.lanes.get(lane)!, next: 0 }));
    while (cursors.length > 0) {
      const cursor = cursors.shift()!;
      yield { lane: cursor.lane, item: cursor.items[cursor.next] };
      cursor.next += 1;
      if (cursor.next < cursor.items.length) cursors.push(cursor);
    }
  }

  /**
   * Takes several items in service order, as a batch: `decide` says for each whether to take it, skip it (it stays
   * queued, in place) or stop. Lanes that gave an item go to the back, as if served one by one.
   */
  take(decide: (item: T) => 'take' | 'skip' | 'stop'): T[] {
    const taken: T[] = [];
    const served: string[] = [];
    for (const { lane, item } of this.inServiceOrder()) {
      const verdict = decide(item);
      if (verdict === 'stop') break;
      if (verdict === 'skip') continue;
      taken.push(item);
      if (!served.includes(lane)) served.push(lane);
    }
    const chosen = new Set(taken);
    for (const lane of served) {
      const remaining = this.lanes.get(lane)!.filter((item) => !chosen.has(item));
      this.order.splice(this.order.indexOf(lane), 1);
      if (remaining.length === 0) this.lanes.delete(lane);
      else {
        this.lanes.set(lane, remaining);
        this.order.push(lane);
      }
    }
    this.size -= taken.length;
    return taken;
  }

  /** Removes one item wherever it waits; its lane keeps its turn. False when it is not queued. */
  remove(item: T): boolean {
    for (const [lane, items] of this.lanes) {
      const index = items.indexOf(item);
      if (index < 0) continue;
      items.splice(index, 1);
      this.size -= 1;
      if (items.length === 0) {
        this.lanes.delete(lane);
        this.order.splice(this.order.indexOf(lane), 1);
      }
      return true;
    }
    return false;
  }

  /** Removes and returns every item (lanes interleaved as `shift` would serve them). */
  drain(): T[] {
    const all: T[] = [];
    for (let item = this.shift(); item !== undefined; item = this.shift()) all.push(item);
    return all;
  }
}
