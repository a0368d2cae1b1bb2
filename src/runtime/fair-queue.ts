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

  /** Removes and returns every item (lanes interleaved as `shift` would serve them). */
  drain(): T[] {
    const all: T[] = [];
    for (let item = this.shift(); item !== undefined; item = this.shift()) all.push(item);
    return all;
  }
}
