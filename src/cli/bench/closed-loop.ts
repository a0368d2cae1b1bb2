import { countError, failureCode, REAL_CLOCK, RunStopper, type BenchClock, type LoadRun, type Send } from './load-types.js';

export interface ClosedLoopOptions {
  /** Requests in flight at all times (≥ 1). */
  concurrency: number;
  /** Run but not recorded: connections open, the JIT and the model's workers warm up. */
  warmupMs: number;
  durationMs: number;
  /** Stops the run early (Ctrl-C): in-flight requests are aborted and not counted. */
  signal?: AbortSignal;
  clock?: BenchClock;
}

/**
 * Closed loop: `concurrency` lanes, each sending its next request as soon as the previous one is answered. A request
 * counts when its answer arrives inside the window after the warm-up; its latency runs from its actual send. Closed
 * loops hide queueing (a slow server slows the sender down); open-loop.ts measures against a schedule instead.
 *
 * @example
 * const run = await runClosedLoop(send, { concurrency: 4, warmupMs: 2000, durationMs: 10_000 });
 * console.log(run.completedInWindow / (run.windowMs / 1000), 'answers/s');
 */
export async function runClosedLoop(send: Send, options: ClosedLoopOptions): Promise<LoadRun> {
  if (!Number.isInteger(options.concurrency) || options.concurrency < 1) throw new RangeError('concurrency must be a positive integer');
  const clock = options.clock ?? REAL_CLOCK;
  const stopper = new RunStopper(clock, options.signal);
  const controller = stopper.controller;

  const from = clock.now() + options.warmupMs;
  const to = from + options.durationMs;
  const run: LoadRun = { latenciesMs: [], completedInWindow: 0, errors: {}, windowMs: 0, interrupted: false };
  const lane = async (): Promise<void> => {
    while (!controller.signal.aborted && clock.now() < to) {
      const sent = clock.now();
      let code: string | undefined;
      try {
        const outcome = await send(controller.signal);
        if (!outcome.ok) code = outcome.code ?? 'UNKNOWN';
      } catch (error) {
        if (controller.signal.aborted) return;
        code = failureCode(error);
      }
      const done = clock.now();
      if (done < from || done > to || (stopper.stoppedAt !== undefined && done > stopper.stoppedAt)) continue;
      if (code !== undefined) countError(run.errors, code);
      else {
        run.completedInWindow++;
        run.latenciesMs.push(done - sent);
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: options.concurrency }, lane));
  } finally {
    stopper.detach();
  }
  run.interrupted = stopper.stoppedAt !== undefined;
  run.windowMs = Math.max(0, Math.min(to, stopper.stoppedAt ?? to) - from);
  return run;
}
