import { ServingError, type Logger, type TensorMetadata, type Tracer } from '../core/index.js';
import type { CpuBudget } from './cpu-budget.js';
import { residentBytes } from './resident-memory.js';
import { Scheduler, type BatchingPolicy, type Runner, type RunRequest, type RunResult } from './batching/scheduler.js';
import { WorkerProcess } from './worker/worker-process.js';

export interface PoolSettings {
  /** Worker processes for this version. */
  instances: number;
  /** onnxruntime intra-op threads per instance (0 = onnxruntime's default). */
  intraOpThreads: number;
  /** A run longer than this fails with INFERENCE_TIMEOUT and its worker is restarted. */
  timeoutMs: number;
  /** Requests waiting for a worker beyond this are refused with QUEUE_FULL. */
  maxQueue: number;
  /** Runs handed to one worker before the previous ones return (2 hides the IPC round trip). */
  pipelineDepth: number;
  /** Dynamic batching; absent: every request runs alone. */
  batching?: BatchingPolicy;
}

export type InferResult = RunResult;

export type PoolState = 'LOADING' | 'READY' | 'UNAVAILABLE' | 'UNLOADING';

interface Slot {
  worker?: WorkerProcess;
  ready: boolean;
  failures: number;
  starting: boolean;
  startedAt: number;
  restartTimer?: NodeJS.Timeout;
  /** CPU units this worker holds while it computes (see CpuBudget). */
  cpuUnits: number;
}

const MAX_BACKOFF_MS = 30_000;
const STABLE_AFTER_MS = 30_000;

/**
 * The worker processes serving one model version, with the scheduler in front of them (bounded queue, per-tenant
 * lanes, priorities, deadlines, dynamic batching). A worker that crashes or times out is replaced after an
 * exponential backoff; while no worker is up, requests fail at once with MODEL_UNAVAILABLE instead of waiting.
 */
export class VersionPool {
  private readonly slots: Slot[];
  private readonly scheduler: Scheduler;
  private stateValue: PoolState = 'LOADING';
  private lastError = '';
  private signature: { inputs: TensorMetadata[]; outputs: TensorMetadata[] } | undefined;
  private drainWaiters: Array<() => void> = [];
  private readonly stopListening: () => void;
  /** How long the last worker took to load and warm up (ns). */
  private loadNs = 0;

  constructor(
    private readonly loadModel: () => Promise<Uint8Array>,
    private readonly settings: PoolSettings,
    private readonly logger: Logger,
    tracer: Tracer,
    private readonly cpu: CpuBudget,
  ) {
    this.slots = Array.from({ length: Math.max(1, settings.instances) }, () => ({ ready: false, failures: 0, starting: false, startedAt: 0, cpuUnits: 0 }));
    this.stopListening = cpu.onFree(() => this.dispatch());
    this.scheduler = new Scheduler({ maxQueue: settings.maxQueue, batching: settings.batching }, {
      acquire: () => this.acquire(),
      canBatch: () => this.signature !== undefined && isBatchable(this.signature),
      afterRun: () => this.afterRun(),
    }, tracer);
  }

  get state(): PoolState { return this.stateValue; }
  get reason(): string { return this.lastError; }
  get loadedSignature(): { inputs: TensorMetadata[]; outputs: TensorMetadata[] } | undefined { return this.signature; }
  get loadSeconds(): number { return this.loadNs / 1e9; }
  /** Resident memory of the version's worker processes (measured, not estimated). */
  get residentBytes(): number { return this.workerPids.reduce((sum, pid) => sum + residentBytes(pid), 0); }
  /** Requests queued or running: a version with any is never evicted. */
  get inUse(): boolean { return this.busy(); }
  get workerPids(): number[] { return this.slots.flatMap((slot) => (slot.worker?.pid !== undefined && slot.worker.alive ? [slot.worker.pid] : [])); }

  /**
   * Starts every instance and waits until each has loaded or failed. Resolves when at least one is ready (the
   * failed ones are retried with backoff); rejects when none could load: with the loader's own ServingError (e.g.
   * a corrupt or undecryptable artifact, which no retry fixes), else with MODEL_UNAVAILABLE.
   */
  async start(): Promise<void> {
    const results = await Promise.allSettled(this.slots.map((slot) => this.startSlot(slot)));
    if (!this.slots.some((slot) => slot.ready)) {
      this.stateValue = 'UNAVAILABLE';
      const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected')?.reason as Error | undefined;
      this.lastError = failure?.message ?? 'no worker could start';
      if (failure instanceof ServingError) throw failure;
      throw new ServingError('MODEL_UNAVAILABLE', `The model version could not be loaded: ${this.lastError}`);
    }
    this.stateValue = 'READY';
    for (const slot of this.slots) {
      if (slot.ready) continue;
      slot.failures = 1;
      this.scheduleRestart(slot, 'failed to start');
    }
  }

  infer(request: RunRequest): Promise<InferResult> {
    if (this.stateValue !== 'READY') {
      return Promise.reject(new ServingError('MODEL_UNAVAILABLE', `The model version is ${this.stateValue.toLowerCase()}${this.lastError ? ` (${this.lastError})` : ''}.`));
    }
    return this.scheduler.submit(request);
  }

  /** Stops taking requests, lets queued and running ones finish, then ends the workers. */
  async stop(): Promise<void> {
    this.stateValue = 'UNLOADING';
    if (this.busy()) await new Promise<void>((resolve) => this.drainWaiters.push(resolve));
    await Promise.all(this.slots.map(async (slot) => {
      clearTimeout(slot.restartTimer);
      const worker = slot.worker;
      slot.worker = undefined;
      slot.ready = false;
      await worker?.stop();
    }));
    this.stateValue = 'UNAVAILABLE';
    this.lastError = 'unloaded';
    this.releaseIdleCpu();
    this.stopListening();
  }

  private busy(): boolean {
    return this.scheduler.length > 0 || this.slots.some((slot) => (slot.worker?.inFlight ?? 0) > 0);
  }

  private async startSlot(slot: Slot): Promise<void> {
    slot.starting = true;
    try {
      await this.launch(slot);
    } finally {
      slot.starting = false;
    }
  }

  private async launch(slot: Slot): Promise<void> {
    const model = await this.loadModel();
    const worker = new WorkerProcess({
      settings: { intraOpThreads: this.settings.intraOpThreads },
      runTimeoutMs: this.settings.timeoutMs,
      onExit: (reason) => this.onWorkerExit(slot, worker, reason),
    });
    slot.worker = worker;
    slot.startedAt = Date.now();
    try {
      // Warm-up: the worker runs inputs generated from the signature once before it takes traffic, so the first
      // request does not pay onnxruntime's first-run costs (allocations, kernel selection).
      const started = process.hrtime.bigint();
      const loaded = await worker.load(model, true);
      this.signature ??= { inputs: loaded.inputs, outputs: loaded.outputs };
      this.loadNs = Number(process.hrtime.bigint() - started);
      if (loaded.probeWarning !== undefined) this.logger.info({ warning: loaded.probeWarning }, 'model-warmup-warning');
    } catch (error) {
      worker.kill('the model failed to load');
      throw error;
    }
    slot.ready = true;
    this.dispatch();
  }

  private dispatch(): void {
    this.scheduler.dispatch();
    if (this.scheduler.length > 0 && !this.slots.some((slot) => slot.ready)) this.failQueued();
  }

  /** A runner on the worker with the fewest runs in flight, if one has room in its pipeline. */
  private acquire(): Runner | undefined {
    const slot = this.pickSlot();
    const worker = slot?.worker;
    return worker === undefined ? undefined : (inputs, outputs, deadline) => worker.run(inputs, outputs, deadline);
  }

  /**
   * The worker with the fewest runs in flight that has room in its pipeline. An idle worker must first get its
   * threads from the CPU budget; without them, a busy worker's pipeline (which uses no more CPU) is the fallback.
   */
  private pickSlot(): Slot | undefined {
    const open = this.slots.filter((slot) => slot.ready && slot.worker !== undefined && slot.worker.inFlight < this.settings.pipelineDepth)
      .sort((a, b) => a.worker!.inFlight - b.worker!.inFlight);
    for (const slot of open) {
      if (slot.worker!.inFlight > 0 || slot.cpuUnits > 0) return slot;
      const units = this.cpu.tryTake(this.settings.intraOpThreads === 0 ? this.cpu.cores : this.settings.intraOpThreads);
      if (units === undefined) continue;
      slot.cpuUnits = units;
      return slot;
    }
    return undefined;
  }

  private afterRun(): void {
    this.releaseIdleCpu();
    this.dispatch();
    if (!this.busy()) for (const resolve of this.drainWaiters.splice(0)) resolve();
  }

  /** Workers with nothing in flight give their CPU units back (other versions may be waiting for them). */
  private releaseIdleCpu(): void {
    for (const slot of this.slots) {
      if (slot.cpuUnits === 0 || (slot.worker !== undefined && slot.worker.inFlight > 0)) continue;
      const units = slot.cpuUnits;
      slot.cpuUnits = 0;
      this.cpu.give(units);
    }
  }

  private failQueued(): void {
    const error = new ServingError('MODEL_UNAVAILABLE', `No model worker is running (${this.lastError}); it is restarting, retry shortly.`);
    this.scheduler.failAll(error);
  }

  private onWorkerExit(slot: Slot, worker: WorkerProcess, reason: string): void {
    if (slot.worker !== worker) return;
    slot.worker = undefined;
    slot.ready = false;
    this.lastError = reason;
    this.releaseIdleCpu();
    this.dispatch();
    if (this.stateValue !== 'READY') return;
    slot.failures = Date.now() - slot.startedAt > STABLE_AFTER_MS ? 1 : slot.failures + 1;
    this.scheduleRestart(slot, reason);
  }

  private scheduleRestart(slot: Slot, reason: string): void {
    clearTimeout(slot.restartTimer);
    const delay = Math.min(MAX_BACKOFF_MS, 100 * 2 ** (slot.failures - 1));
    this.logger.warn({ reason, restartInMs: delay }, 'model-worker-restart');
    slot.restartTimer = setTimeout(() => {
      if (this.stateValue !== 'READY' || slot.ready || slot.starting || slot.worker?.alive === true) return;
      this.startSlot(slot).catch((error: Error) => {
        this.lastError = error.message;
        slot.failures += 1;
        if (slot.worker === undefined || !slot.worker.alive) this.scheduleRestart(slot, error.message);
      });
    }, delay);
    slot.restartTimer.unref();
  }
}

/** Batching needs a dynamic first dimension on every input and output (the batch dimension). */
function isBatchable(signature: { inputs: TensorMetadata[]; outputs: TensorMetadata[] }): boolean {
  return [...signature.inputs, ...signature.outputs].every((tensor) => tensor.shape.length >= 1 && tensor.shape[0] === -1);
}
