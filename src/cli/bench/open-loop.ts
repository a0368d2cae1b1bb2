import { arrivalGaps, type Arrivals } from './arrival-schedule.js';
import { countError, failureCode, REAL_CLOCK, RunStopper, type BenchClock, type LoadRun, type Send, type SendOutcome } from './load-types.js';

/** A request sent this much after its scheduled time counts as late (about two timer ticks). */
export const LATE_AFTER_MS = 2;

/** Requests sent back to back (behind schedule) before the loop lets pending answers be read. */
const BURST_BEFORE_YIELD = 32;

export interface OpenLoopOptions {
  /** Requests per second. */
  rate: number;
  /** `constant` (default) or `poisson`. */
  arrivals?: Arrivals;
  /** Seed of the Poisson gaps (default 1). */
  seed?: number;
  warmupMs: number;
  durationMs: number;
  /** Requests in flight at most; a request due while this many are out is not sent and counts as dropped. */
  maxInflight: number;
  /** How long to wait for the answers of measured requests after the schedule ends (default 30 s). */
  drainMs?: number;
  /** Stops the run early (Ctrl-C): in-flight requests are aborted and not counted. */
  signal?: AbortSignal;
  clock?: BenchClock;
}

/** An open-loop run: what every run measures, plus how well the sender kept to the schedule. */
export interface OpenLoopRun extends LoadRun {
  /** Requests due inside the window (sent, dropped or not). */
  scheduled: number;
  /** Requests actually sent inside the window, per second. */
  achievedRate: number;
  /** Measured requests sent more than LATE_AFTER_MS after their scheduled time. */
  late: number;
  /** The largest delay between a measured request's schedule and its send, ms. */
  maxSendLagMs: number;
  /** Measured requests not sent because `maxInflight` were out. */
  dropped: number;
}

/**
 * Open loop: requests go out on a schedule fixed in advance (constant or Poisson gaps), whether or not earlier
 * ones were answered. A request's latency runs from its *scheduled* time, not from when it actually left, so a
 * stalled sender or a slow server shows up in the numbers instead of being hidden (no coordinated omission).
 * Requests that are late are sent anyway, at once; only the in-flight bound skips one (counted as dropped).
 * Requests scheduled inside the window are measured even when their answer comes after it.
 *
 * @example
 * const run = await runOpenLoop(send, { rate: 200, arrivals: 'poisson', warmupMs: 2000, durationMs: 10_000, maxInflight: 1000 });
 */
export async function runOpenLoop(send: Send, options: OpenLoopOptions): Promise<OpenLoopRun> {
  if (!Number.isInteger(options.maxInflight) || options.maxInflight < 1) throw new RangeError('maxInflight must be a positive integer');
  const clock = options.clock ?? REAL_CLOCK;
  const gap = arrivalGaps(options.rate, options.arrivals ?? 'constant', options.seed ?? 1);
  const stopper = new RunStopper(clock, options.signal);
  const controller = stopper.controller;

  const start = clock.now();
  const from = start + options.warmupMs;
  const to = from + options.durationMs;
  const run: OpenLoopRun = {
    latenciesMs: [], completedInWindow: 0, errors: {}, windowMs: 0, interrupted: false,
    scheduled: 0, achievedRate: 0, late: 0, maxSendLagMs: 0, dropped: 0,
  };
  let sentInWindow = 0;
  let inflight = 0;
  /** Set once the drain is over: answers arriving later are ignored. */
  let closed = false;
  const pending = new Set<Promise<void>>();

  const fire = (scheduledAt: number, measured: boolean): void => {
    inflight++;
    let answer: Promise<SendOutcome>;
    try {
      answer = send(controller.signal);
    } catch (error) {
      answer = Promise.reject(error);
    }
    const task = answer.then(
      (outcome) => (outcome.ok ? undefined : outcome.code ?? 'UNKNOWN'),
      (error: unknown) => (controller.signal.aborted ? null : failureCode(error)),
    ).then((code) => {
      inflight--;
      const done = clock.now();
      if (closed || code === null || (stopper.stoppedAt !== undefined && done > stopper.stoppedAt)) return;
      if (code === undefined && done >= from && done <= to) run.completedInWindow++;
      if (!measured) return;
      if (code === undefined) run.latenciesMs.push(done - scheduledAt);
      else countError(run.errors, code);
    });
    pending.add(task);
    void task.finally(() => pending.delete(task));
  };

  let burst = 0;
  try {
    for (let due = start; due < to && !controller.signal.aborted; due += gap()) {
      // Timers may fire a little early: never send before the scheduled time.
      let waited = false;
      for (let wait = due - clock.now(); wait > 0 && !controller.signal.aborted; wait = due - clock.now()) {
        await clock.sleep(wait, controller.signal);
        waited = true;
      }
      // Behind schedule, requests go out back to back; now and then let the answers in.
      if (waited) burst = 0;
      else if (++burst % BURST_BEFORE_YIELD === 0) await clock.sleep(0);
      if (controller.signal.aborted) break;
      const now = clock.now();
      const measured = due >= from;
      if (measured) run.scheduled++;
      if (inflight >= options.maxInflight) {
        if (measured) run.dropped++;
        continue;
      }
      if (now >= from && now <= to) sentInWindow++;
      if (measured) {
        const lag = now - due;
        if (lag > LATE_AFTER_MS) run.late++;
        if (lag > run.maxSendLagMs) run.maxSendLagMs = lag;
      }
      fire(due, measured);
    }
    await drain(pending, options.drainMs ?? 30_000, clock, controller.signal, run);
  } finally {
    closed = true;
    controller.abort();
    stopper.detach();
  }
  run.interrupted = stopper.stoppedAt !== undefined;
  run.windowMs = Math.max(0, Math.min(to, stopper.stoppedAt ?? to) - from);
  run.achievedRate = run.windowMs > 0 ? (sentInWindow * 1000) / run.windowMs : 0;
  return run;
}

/** Waits for the outstanding answers, at most `drainMs`; measured requests still unanswered count as NO_ANSWER. */
async function drain(pending: Set<Promise<void>>, drainMs: number, clock: BenchClock, signal: AbortSignal, run: OpenLoopRun): Promise<void> {
  if (pending.size === 0) return;
  const timeout = new AbortController();
  const onAbort = (): void => timeout.abort();
  signal.addEventListener('abort', onAbort, { once: true });
  let finished = false;
  const all = Promise.all([...pending]).then(() => { finished = true; });
  try {
    await Promise.race([all, clock.sleep(drainMs, timeout.signal)]);
  } finally {
    timeout.abort();
    signal.removeEventListener('abort', onAbort);
  }
  if (!finished && !signal.aborted) {
    const answered = run.latenciesMs.length + Object.values(run.errors).reduce((sum, count) => sum + count, 0);
    const unanswered = run.scheduled - run.dropped - answered;
    if (unanswered > 0) run.errors.NO_ANSWER = (run.errors.NO_ANSWER ?? 0) + unanswered;
  }
}
