import { ServingError, type Tensor, type TraceContext, type Tracer } from '../../core/index.js';
import { batchKey, mergeInputs, rowsOf, splitOutputs } from './batch-tensors.js';
import type { Job } from './job.js';
import { JobQueue } from './job-queue.js';

/** Dynamic batching knobs (Triton's dynamic_batcher); absent: every request runs alone. */
export interface BatchingPolicy {
  maxBatchSize: number;
  /** Microseconds the oldest request may wait for a fuller batch. */
  maxQueueDelayUs: number;
  /** Sizes worth running at once without waiting out the delay (ascending). */
  preferredBatchSizes: number[];
  priorityLevels: number;
}

export interface SchedulerSettings {
  /** Requests that may wait; more answer QUEUE_FULL. */
  maxQueue: number;
  batching?: BatchingPolicy;
}

/** One request as the runtime takes it. */
export interface RunRequest {
  inputs: Tensor[];
  outputs: string[];
  /** Fairness lane (the tenant). */
  lane?: string;
  /** 1 is the highest; default: the lowest level. */
  priority?: number;
  /** Absolute deadline (Date.now() ms): past it the request is refused, never run. */
  deadline?: number;
  trace?: TraceContext;
}

export interface RunResult {
  outputs: Tensor[];
  queueNs: number;
  computeNs: number;
  /** Rows of the execution this request was part of (its own rows without batching). */
  batchSize: number;
  /** True for one request of each execution, so executions can be counted once. */
  firstInBatch: boolean;
}

/**
 * Runs merged inputs on one worker that has room; undefined from `acquire` when none has. With a deadline the worker
 * skips the run if it is still waiting in its pipeline then (DEADLINE_EXCEEDED).
 */
export type Runner = (inputs: Tensor[], outputs: string[], deadline?: number) => Promise<{ outputs: Tensor[]; computeNs: number }>;

export interface ExecutionTarget {
  acquire(): Runner | undefined;
  /** False until the model's signature shows a dynamic first dimension on every input and output. */
  canBatch(): boolean;
  /** Called after every execution ends (so the pool can dispatch more and notice when it drained). */
  afterRun(): void;
}

let nextBatchId = 1;

/**
 * The queue in front of one version's workers, and the batcher. Requests wait per priority level and tenant lane.
 * With batching, the head of the queue gathers compatible requests (same non-batch shapes and outputs) up to
 * `maxBatchSize` rows; a batch goes as soon as it is full or reaches a preferred size, otherwise when the head has
 * waited `maxQueueDelayUs`. Outputs are split back to each caller. A request whose deadline passes while it waits
 * is answered DEADLINE_EXCEEDED and never runs.
 */
export class Scheduler {
  private readonly queue: JobQueue;
  private delayTimer: NodeJS.Timeout | undefined;

  constructor(private readonly settings: SchedulerSettings, private readonly target: ExecutionTarget, private readonly tracer: Tracer) {
    this.queue = new JobQueue(settings.batching?.priorityLevels ?? 1);
  }

  get length(): number {
    return this.queue.length;
  }

  submit(request: RunRequest): Promise<RunResult> {
    if (this.queue.length >= this.settings.maxQueue) {
      return Promise.reject(new ServingError('QUEUE_FULL', `The model queue is full (${this.settings.maxQueue} waiting); retry shortly.`));
    }
    if (request.deadline !== undefined && request.deadline <= Date.now()) {
      return Promise.reject(deadlineError());
    }
    return new Promise<RunResult>((resolve, reject) => {
      const levels = this.settings.batching?.priorityLevels ?? 1;
      const job: Job = {
        inputs: request.inputs, outputs: request.outputs, rows: rowsOf(request.inputs),
        batchKey: this.settings.batching === undefined ? undefined : batchKey(request.inputs, request.outputs),
        lane: request.lane ?? '', priority: Math.min(levels, Math.max(1, request.priority ?? levels)),
        enqueuedAt: process.hrtime.bigint(), deadline: request.deadline, trace: request.trace,
        queueSpan: this.tracer.startSpan('queue', { parent: request.trace, attributes: { 'tessera.priority': request.priority ?? levels } }),
        resolve, reject,
      };
      if (job.deadline !== undefined) job.deadlineTimer = setTimeout(() => this.expire(job), Math.max(0, job.deadline - Date.now()));
      this.queue.push(job);
      this.dispatch();
    });
  }

  /** Sends work to every worker with room, as batches when batching is on. */
  dispatch(): void {
    while (this.queue.length > 0) {
      const head = this.queue.peek()!;
      const size = this.batchSizeFor(head);
      if (size === 0) return;
      const runner = this.target.acquire();
      if (runner === undefined) return;
      const jobs = this.queue.takeBatch(head, size);
      this.execute(runner, jobs);
    }
  }

  /** Answers every waiting request with `error` (no worker left to run them). */
  failAll(error: Error): void {
    for (const job of this.queue.drain()) this.finish(job, error);
  }

  /**
   * How many rows to take now for `head`'s batch, or 0 to wait (a timer then dispatches when the head's delay
   * is over).
   */
  private batchSizeFor(head: Job): number {
    const policy = this.settings.batching;
    if (policy === undefined || head.batchKey === undefined || !this.target.canBatch()) return Math.max(1, head.rows);
    const max = Math.max(policy.maxBatchSize, head.rows);
    const available = this.queue.compatibleRows(head, max);
    if (available >= max) return max;
    const preferred = policy.preferredBatchSizes.filter((size) => size <= available).pop();
    if (preferred !== undefined && preferred >= head.rows) return preferred;
    const waitedUs = Number(process.hrtime.bigint() - head.enqueuedAt) / 1000;
    if (waitedUs >= policy.maxQueueDelayUs) return max;
    this.wakeAfter(policy.maxQueueDelayUs - waitedUs);
    return 0;
  }

  private wakeAfter(microseconds: number): void {
    if (this.delayTimer !== undefined) return;
    this.delayTimer = setTimeout(() => {
      this.delayTimer = undefined;
      this.dispatch();
    }, Math.max(0, Math.ceil(microseconds / 1000)));
  }

  private execute(runner: Runner, jobs: Job[]): void {
    const started = process.hrtime.bigint();
    const live = jobs.filter((job) => {
      if (job.deadline === undefined || job.deadline > Date.now()) return true;
      this.finish(job, deadlineError());
      return false;
    });
    if (live.length === 0) {
      this.target.afterRun();
      return;
    }
    const rows = live.map((job) => job.rows);
    const total = rows.reduce((sum, n) => sum + n, 0);
    const batchId = nextBatchId++;
    for (const job of live) {
      clearTimeout(job.deadlineTimer);
      job.queueSpan.end();
    }
    const batchSpan = this.tracer.startSpan('batch', {
      links: live.flatMap((job) => (job.trace ? [job.queueSpan.context] : [])),
      attributes: { 'batch.id': batchId, 'batch.size': total, 'batch.requests': live.length },
    });
    const executions = live.map((job) => this.tracer.startSpan('execute', {
      parent: job.trace, links: [batchSpan.context], attributes: { 'batch.id': batchId, 'batch.size': total },
    }));
    const inputs = live.length === 1 ? live[0].inputs : mergeInputs(live.map((job) => job.inputs));
    const deadlines = live.map((job) => job.deadline);
    const deadline = deadlines.every((value) => value !== undefined) ? Math.max(...(deadlines as number[])) : undefined;
    runner(inputs, live[0].outputs, deadline).then((result) => {
      const pieces = live.length === 1 ? [result.outputs] : splitOutputs(result.outputs, rows);
      live.forEach((job, index) => {
        job.resolve({ outputs: pieces[index], computeNs: result.computeNs, queueNs: Number(started - job.enqueuedAt), batchSize: total, firstInBatch: index === 0 });
      });
    }).catch((error: Error) => {
      const failure = error instanceof ServingError ? error : new ServingError('INFERENCE_FAILED', `The batched run failed: ${error.message}`);
      for (const span of [batchSpan, ...executions]) span.fail(failure.code);
      for (const job of live) job.reject(failure);
    }).finally(() => {
      for (const span of [...executions, batchSpan]) span.end();
      this.target.afterRun();
    });
  }

  private expire(job: Job): void {
    if (this.queue.remove(job)) this.finish(job, deadlineError());
  }

  private finish(job: Job, error: Error): void {
    clearTimeout(job.deadlineTimer);
    job.queueSpan.fail(error instanceof ServingError ? error.code : 'FAILED');
    job.queueSpan.end();
    job.reject(error);
  }
}

function deadlineError(): ServingError {
  return new ServingError('DEADLINE_EXCEEDED', 'The request deadline passed before it could run; it was not executed.');
}
