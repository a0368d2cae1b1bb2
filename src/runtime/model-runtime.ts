import { NO_TRACING, ServingError, type Logger, type Tracer } from '../core/index.js';
import { availableParallelism } from 'node:os';
import type { RunRequest } from './batching/scheduler.js';
import { CpuBudget } from './cpu-budget.js';
import { VersionPool, type InferResult, type PoolSettings, type PoolState } from './version-pool.js';

export interface LoadedStatus {
  state: PoolState;
  reason: string;
  workerPids: number[];
  /** Measured resident memory of its workers; 0 while loading. */
  residentBytes: number;
  loadSeconds: number;
  /** Date.now() of its last request (or of its load). */
  lastUsedAt: number;
  /** Never evicted to fit the memory budget. */
  pinned: boolean;
}

export interface RuntimeOptions {
  tracer?: Tracer;
  /** CPU budget shared by every version (default: the machine's available parallelism). */
  cores?: number;
  /**
   * Resident memory the loaded versions may take together (0: no budget). When a load takes the total past it, the
   * least recently used versions that are neither pinned nor busy are unloaded until it fits.
   */
  memoryBudgetBytes?: number;
  /** Told about every eviction (metrics, logs). */
  onEvict?: (key: string, residentBytes: number) => void;
}

/**
 * The loaded model versions, each a pool of worker processes, addressed by a key the caller chooses
 * (the app uses the version's server id). Knows nothing about registries or protocols.
 */
export class ModelRuntime {
  private readonly pools = new Map<string, VersionPool>();
  private readonly starting = new Map<string, Promise<void>>();

  private readonly cpu: CpuBudget;
  private readonly tracer: Tracer;
  private readonly lastUsed = new Map<string, number>();
  private readonly pinned = new Set<string>();

  constructor(private readonly logger: Logger, private readonly options: RuntimeOptions = {}) {
    this.cpu = new CpuBudget(options.cores ?? availableParallelism());
    this.tracer = options.tracer ?? NO_TRACING;
  }

  /**
   * Loads a version (no-op when it is already ready; joins a load in progress), then evicts least recently used
   * versions if the memory budget is exceeded. A pinned version is never evicted. `pinned = false` unpins only a
   * version this call starts loading: a request joining a load (or finding the version loaded) must not undo the pin
   * someone else asked for; change the pin of a loaded version with `setPinned`.
   */
  async load(key: string, loadModel: () => Promise<Uint8Array>, settings: PoolSettings, pinned = false): Promise<void> {
    if (pinned) this.pinned.add(key);
    else if (!this.pools.has(key) && !this.starting.has(key)) this.pinned.delete(key);
    const existing = this.pools.get(key);
    if (existing?.state === 'READY') return;
    const inProgress = this.starting.get(key);
    if (inProgress) return inProgress;
    const pool = new VersionPool(loadModel, settings, this.logger.child({ version: key }), this.tracer, this.cpu);
    const started = pool.start().then(
      async () => {
        this.pools.set(key, pool);
        this.lastUsed.set(key, Date.now());
        await this.enforceMemoryBudget(key);
      },
      async (error: unknown) => { await pool.stop(); throw error; },
    ).finally(() => this.starting.delete(key));
    this.starting.set(key, started);
    return started;
  }

  /** Drains and stops a version's workers; unknown keys are ignored. */
  async unload(key: string): Promise<void> {
    const pool = this.pools.get(key);
    if (pool === undefined) return;
    this.pools.delete(key);
    this.lastUsed.delete(key);
    this.pinned.delete(key);
    await pool.stop();
  }

  /**
   * Pins or unpins a loaded (or loading) version without reloading it; an unpinned version becomes evictable again.
   * Returns false, changing nothing, for a key that is neither loaded nor loading.
   */
  setPinned(key: string, pinned: boolean): boolean {
    if (!this.pools.has(key) && !this.starting.has(key)) return false;
    if (pinned) this.pinned.add(key);
    else this.pinned.delete(key);
    return true;
  }

  status(key: string): LoadedStatus | undefined {
    const pool = this.pools.get(key);
    const pinned = this.pinned.has(key);
    if (pool === undefined) {
      return this.starting.has(key) ? { state: 'LOADING', reason: '', workerPids: [], residentBytes: 0, loadSeconds: 0, lastUsedAt: 0, pinned } : undefined;
    }
    return {
      state: pool.state, reason: pool.reason, workerPids: pool.workerPids, residentBytes: pool.residentBytes,
      loadSeconds: pool.loadSeconds, lastUsedAt: this.lastUsed.get(key) ?? 0, pinned,
    };
  }

  /** Marks a version used now (least-recently-used order of eviction). */
  touch(key: string): void {
    if (this.pools.has(key)) this.lastUsed.set(key, Date.now());
  }

  isReady(key: string): boolean {
    return this.pools.get(key)?.state === 'READY';
  }

  /** Runs one request: its lane (the tenant) is the fairness key of the version's queue, see RunRequest. */
  infer(key: string, request: RunRequest): Promise<InferResult> {
    const pool = this.pools.get(key);
    if (pool === undefined) return Promise.reject(new ServingError('MODEL_UNAVAILABLE', 'The model version is not loaded.'));
    this.lastUsed.set(key, Date.now());
    return pool.infer(request);
  }

  /** Resident memory of every loaded version together. */
  residentBytes(): number {
    return [...this.pools.values()].reduce((sum, pool) => sum + pool.residentBytes, 0);
  }

  /**
   * While the loaded versions' measured memory is over the budget, unloads the least recently used one that is not
   * pinned, not busy, and not `keep` (the version just loaded, which a request is waiting for).
   */
  private async enforceMemoryBudget(keep: string): Promise<void> {
    const budget = this.options.memoryBudgetBytes ?? 0;
    if (budget <= 0) return;
    while (this.residentBytes() > budget) {
      const victim = [...this.pools.entries()]
        .filter(([key, pool]) => key !== keep && !this.pinned.has(key) && !pool.inUse && pool.state === 'READY')
        .sort(([a], [b]) => (this.lastUsed.get(a) ?? 0) - (this.lastUsed.get(b) ?? 0))[0];
      if (victim === undefined) return;
      const [key, pool] = victim;
      const bytes = pool.residentBytes;
      this.logger.info({ version: key, residentBytes: bytes, budget }, 'model-evicted');
      this.options.onEvict?.(key, bytes);
      await this.unload(key);
    }
  }

  /** Intra-op threads of the workers computing right now, and the cores they share. */
  cpuUsage(): { inUse: number; cores: number } {
    return { inUse: this.cpu.inUse, cores: this.cpu.cores };
  }

  loadedKeys(): string[] {
    return [...this.pools.keys()];
  }

  /** Drains every version; used on shutdown. */
  async close(): Promise<void> {
    await Promise.allSettled([...this.starting.values()]);
    await Promise.all([...this.pools.keys()].map((key) => this.unload(key)));
  }
}
