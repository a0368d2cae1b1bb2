import { fork, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { ServingError, type Tensor, type TensorMetadata } from '../../core/index.js';
import type { SessionSettings } from '../inference-backend.js';
import type { FromWorker, ToWorker } from './worker-messages.js';

const WORKER_SCRIPT = new URL('./worker-main.js', import.meta.url);

export interface LoadedSignature {
  inputs: TensorMetadata[];
  outputs: TensorMetadata[];
  probeWarning?: string;
}

export interface RunResult {
  outputs: Tensor[];
  computeNs: number;
}

interface PendingRun {
  id: number;
  resolve: (result: RunResult) => void;
  reject: (error: Error) => void;
  timer?: NodeJS.Timeout;
}

export interface WorkerProcessOptions {
  settings: SessionSettings;
  /** A run that takes longer than this kills the process (504 for that run). */
  runTimeoutMs: number;
  /** Extra V8 flags, e.g. a heap cap for the validator. */
  execArgv?: string[];
  onExit?: (reason: string) => void;
}

/**
 * One worker process holding one model session. Runs are pipelined (the child executes them in order); only the
 * oldest run's timer is armed, so a run's timeout measures its own execution. Killing the process is always safe:
 * unlike a worker thread, a child process can be stopped in the middle of a native run.
 */
export class WorkerProcess {
  private readonly child: ChildProcess;
  private readonly pending: PendingRun[] = [];
  private nextId = 1;
  private exited = false;
  private exitReason = 'worker exited';
  private loadWaiter?: { resolve: (s: LoadedSignature) => void; reject: (e: Error) => void };

  constructor(private readonly options: WorkerProcessOptions) {
    this.child = fork(WORKER_SCRIPT, [], {
      serialization: 'advanced',
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      env: { NODE_ENV: 'production' },
      execArgv: options.execArgv ?? [],
    });
    let stderr = '';
    this.child.stderr?.on('data', (chunk: Buffer) => { stderr = (stderr + chunk.toString()).slice(-2000); });
    this.child.on('message', (message: FromWorker) => this.onMessage(message));
    this.child.on('exit', (code, signal) => this.onExit(code, signal, stderr));
    this.child.on('error', () => { /* reported through 'exit' */ });
  }

  get pid(): number | undefined { return this.child.pid; }
  get inFlight(): number { return this.pending.length; }
  get alive(): boolean { return !this.exited; }

  /** Loads the model; with `probe` it also runs it once on generated inputs. */
  /** Loads the model; with `warmup` the worker then runs it once on inputs generated from its signature. */
  load(model: Uint8Array, warmup: boolean): Promise<LoadedSignature> {
    return new Promise((resolve, reject) => {
      this.loadWaiter = { resolve, reject };
      this.post({ type: 'load', model, settings: this.options.settings, probe: warmup });
    });
  }

  /** Runs on the session; with a `deadline` (Date.now() ms) the worker skips the run if it is still waiting then. */
  run(inputs: Tensor[], outputs: string[], deadline?: number): Promise<RunResult> {
    if (this.exited) return Promise.reject(new ServingError('MODEL_UNAVAILABLE', `Model worker is not running (${this.exitReason}).`));
    return new Promise((resolve, reject) => {
      const run: PendingRun = { id: this.nextId++, resolve, reject };
      this.pending.push(run);
      if (this.pending.length === 1) this.armTimer(run);
      this.post({ type: 'run', id: run.id, inputs, outputs, deadline });
    });
  }

  /** Asks the worker to release its session, then ends it; kills it if it does not answer in time. */
  async stop(graceMs = 5000): Promise<void> {
    if (this.exited) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.post({ type: 'release' });
    const timer = setTimeout(() => this.kill('stopped'), graceMs);
    await exited;
    clearTimeout(timer);
  }

  kill(reason: string): void {
    if (this.exited) return;
    this.exitReason = reason;
    this.child.kill('SIGKILL');
  }

  private post(message: ToWorker): void {
    if (!this.exited && this.child.connected) this.child.send(message);
  }

  private armTimer(run: PendingRun): void {
    run.timer = setTimeout(() => {
      const head = this.pending.shift();
      head?.reject(new ServingError('INFERENCE_TIMEOUT', `Inference exceeded the model timeout of ${this.options.runTimeoutMs} ms; its worker was restarted.`));
      this.kill(`a run exceeded ${this.options.runTimeoutMs} ms`);
    }, this.options.runTimeoutMs);
    run.timer.unref();
  }

  private onMessage(message: FromWorker): void {
    if (message.type === 'loaded') this.loadWaiter?.resolve(message);
    else if (message.type === 'load-failed') this.loadWaiter?.reject(new ServingError('MODEL_VALIDATION_FAILED', `onnxruntime could not load the model: ${message.message}`));
    else if (message.type === 'result' || message.type === 'run-failed') this.settle(message);
    else if (message.type === 'released' && this.child.connected) this.child.disconnect();
  }

  private settle(message: Extract<FromWorker, { type: 'result' | 'run-failed' }>): void {
    const index = this.pending.findIndex((run) => run.id === message.id);
    if (index < 0) return;
    const [run] = this.pending.splice(index, 1);
    clearTimeout(run.timer);
    if (index === 0 && this.pending.length > 0) this.armTimer(this.pending[0]);
    if (message.type === 'result') run.resolve({ outputs: message.outputs, computeNs: message.computeNs });
    else if (message.expired === true) run.reject(new ServingError('DEADLINE_EXCEEDED', 'The request deadline passed before it could run; it was not executed.'));
    else run.reject(new ServingError('INFERENCE_FAILED', `onnxruntime failed to run the model: ${message.message}`));
  }

  private onExit(code: number | null, signal: NodeJS.Signals | null, stderr: string): void {
    this.exited = true;
    if (this.exitReason === 'worker exited') {
      const tail = stderr.trim().split('\n').slice(-1)[0] ?? '';
      this.exitReason = `worker exited with ${signal ?? `code ${code}`}${tail ? `: ${tail.slice(0, 300)}` : ''}`;
    }
    const error = new ServingError('WORKER_CRASHED', `The model worker died during this request (${this.exitReason}).`);
    for (const run of this.pending.splice(0)) {
      clearTimeout(run.timer);
      run.reject(error);
    }
    this.loadWaiter?.reject(new ServingError('MODEL_VALIDATION_FAILED', `The model worker died while loading (${this.exitReason}).`));
    this.options.onExit?.(this.exitReason);
  }
}

/** Resident memory of a process in bytes (Linux /proc), or undefined when it cannot be read. */
export async function residentBytes(pid: number): Promise<number | undefined> {
  try {
    const statm = await readFile(`/proc/${pid}/statm`, 'utf8');
    return Number(statm.split(' ')[1]) * 4096;
  } catch {
    return undefined;
  }
}
