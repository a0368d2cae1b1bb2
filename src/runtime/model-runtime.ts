import { NO_TRACING, ServingError, type Logger, type Tracer } from '../core/index.js';
import { availableParallelism } from 'node:os';
import type { RunRequest } from './batching/scheduler.js';
import { CpuBudget } from './cpu-budget.js';
import { VersionPool, type InferResult, type PoolSettings, type PoolState } from './version-pool.js';

export interface LoadedStatus {
  state: PoolState;
  reason: string;
  workerPids: number[];
}

/**
 * The loaded model versions, each a pool of worker processes, addressed by a key the caller chooses
 * (the app uses the version's server id). Knows nothing about registries or protocols.
 */
export class ModelRuntime {
  private readonly pools = new Map<string, VersionPool>();
  private readonly starting = new Map<string, Promise<void>>();

  private readonly cpu: CpuBudget;

  /** `cores`: the CPU budget every loaded version shares (default: the machine's available parallelism). */
  constructor(private readonly logger: Logger, private readonly tracer: Tracer = NO_TRACING, cores = availableParallelism()) {
    this.cpu = new CpuBudget(cores);
  }

  /** Loads a version (no-op when it is already ready; joins a load in progress). */
  async load(key: string, loadModel: () => Promise<Uint8Array>, settings: PoolSettings): Promise<void> {
    const existing = this.pools.get(key);
    if (existing?.state === 'READY') return;
    const inProgress = this.starting.get(key);
    if (inProgress) return inProgress;
    const pool = new VersionPool(loadModel, settings, this.logger.child({ version: key }), this.tracer, this.cpu);
    const started = pool.start().then(
      () => { this.pools.set(key, pool); },
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
    await pool.stop();
  }

  status(key: string): LoadedStatus | undefined {
    const pool = this.pools.get(key);
    if (pool === undefined) return this.starting.has(key) ? { state: 'LOADING', reason: '', workerPids: [] } : undefined;
    return { state: pool.state, reason: pool.reason, workerPids: pool.workerPids };
  }

  isReady(key: string): boolean {
    return this.pools.get(key)?.state === 'READY';
  }

  /** Runs one request: its lane (the tenant) is the fairness key of the version's queue, see RunRequest. */
  infer(key: string, request: RunRequest): Promise<InferResult> {
    const pool = this.pools.get(key);
    if (pool === undefined) return Promise.reject(new ServingError('MODEL_UNAVAILABLE', 'The model version is not loaded.'));
    return pool.infer(request);
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
