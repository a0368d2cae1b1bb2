/**
 * The machine's cores, shared by every loaded version. A worker that starts computing (its first run in flight)
 * takes as many units as it has intra-op threads and gives them back when it goes idle; a worker that is already
 * busy may take more runs into its pipeline without taking units (they wait inside it and use no CPU). So two busy
 * models never run more threads at once than there are cores: the second waits for a core instead of slowing both.
 */
export class CpuBudget {
  private used = 0;
  private readonly listeners = new Set<() => void>();

  constructor(readonly cores: number) {}

  get inUse(): number {
    return this.used;
  }

  /** Takes `units` (capped at the core count, so a wide worker can still run alone); false when they are not free. */
  tryTake(units: number): number | undefined {
    const wanted = Math.min(Math.max(1, units), this.cores);
    if (this.used + wanted > this.cores) return undefined;
    this.used += wanted;
    return wanted;
  }

  give(units: number): void {
    this.used = Math.max(0, this.used - units);
    for (const listener of [...this.listeners]) listener();
  }

  /** Called whenever units are given back; returns the unsubscribe function. */
  onFree(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
