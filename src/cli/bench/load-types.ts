/**
 * The vocabulary of the load engines (closed-loop.ts, open-loop.ts): a sender, a clock, and what a run measured.
 * Both engines take these as parameters, so tests drive them with a fake clock and a fake sender.
 */

/** How one request ended: answered 2xx, or failed with a code (the server's `QUEUE_FULL`, `HTTP_502`, `ECONNRESET`…). */
export interface SendOutcome {
  ok: boolean;
  code?: string;
}

/**
 * Sends one request (the same pre-encoded one every time) and resolves when its answer has been read. A network
 * failure may reject; an abort through `signal` rejects and the request is not counted.
 */
export type Send = (signal: AbortSignal) => Promise<SendOutcome>;

/** Time in milliseconds (any origin) and a way to wait; real or fake. */
export interface BenchClock {
  now(): number;
  /**
   * Resolves after `ms`, or early when `signal` aborts (it never rejects). `ms <= 0` only lets pending I/O run
   * (answers arriving) before resolving.
   */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** The wall clock: `performance.now()`, `setTimeout`, and `setImmediate` for a zero sleep. */
export const REAL_CLOCK: BenchClock = {
  now: () => performance.now(),
  sleep: (ms, signal) => new Promise<void>((resolve) => {
    if (ms <= 0 || signal?.aborted) {
      setImmediate(resolve);
      return;
    }
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  }),
};

/** What one load level measured (closed or open loop). */
export interface LoadRun {
  /** Latency of every successful request that counts (ms): from the actual send (closed) or the schedule (open). */
  latenciesMs: number[];
  /** Successful answers completed inside the measured window. */
  completedInWindow: number;
  /** Failed requests that count, by code. */
  errors: Record<string, number>;
  /** Length of the measured window in ms (shorter than asked when interrupted). */
  windowMs: number;
  /** True when the run was stopped early (Ctrl-C). */
  interrupted: boolean;
}

/** The code of a failed send: the error's `code` (ECONNRESET…), its cause's, or its name. */
export function failureCode(error: unknown): string {
  const record = error as { code?: unknown; cause?: { code?: unknown }; name?: unknown } | null;
  if (typeof record?.code === 'string') return record.code;
  if (typeof record?.cause?.code === 'string') return record.cause.code;
  return typeof record?.name === 'string' && record.name !== 'Error' ? record.name : 'NETWORK_ERROR';
}

/** Adds one to `errors[code]`. */
export function countError(errors: Record<string, number>, code: string): void {
  errors[code] = (errors[code] ?? 0) + 1;
}

/** A run's own abort switch, tripped by the caller's signal (Ctrl-C) too; remembers when it was tripped. */
export class RunStopper {
  readonly controller = new AbortController();
  stoppedAt: number | undefined;
  private readonly stop = (): void => {
    this.stoppedAt ??= this.clock.now();
    this.controller.abort();
  };

  constructor(private readonly clock: BenchClock, private readonly outer: AbortSignal | undefined) {
    if (outer?.aborted) this.stop();
    else outer?.addEventListener('abort', this.stop, { once: true });
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Stops listening to the caller's signal (at the end of the run). */
  detach(): void {
    this.outer?.removeEventListener('abort', this.stop);
  }
}
