import { isTesseraError, type ModelStatistics, type PreparedInfer, type TesseraClient } from '../../client/index.js';
import type { Arrivals } from './arrival-schedule.js';
import { runClosedLoop } from './closed-loop.js';
import { fetchSender, httpSender, type Transport } from './http-sender.js';
import { REAL_CLOCK, type LoadRun } from './load-types.js';
import { runOpenLoop, type OpenLoopRun } from './open-loop.js';
import { summarizeLatencies, type LatencySummary } from './percentiles.js';
import { pickVersionStats, statsDelta, type ServerSplit } from './server-stats.js';

/** What is being measured and how to reach it. */
export interface BenchTarget {
  prepared: PreparedInfer;
  transport: Transport;
  /** The served version's statistics now, or undefined when they cannot be read (see statsReader). */
  readStats(): Promise<ModelStatistics | undefined>;
}

/** One level: a closed loop at a concurrency, or an open loop at a rate. */
export type LevelSpec =
  | { mode: 'closed'; concurrency: number }
  | { mode: 'open'; rate: number; arrivals: Arrivals; maxInflight: number; seed: number };

export interface LevelTiming {
  warmupMs: number;
  durationMs: number;
}

/** The figures of one level, as printed and written to JSON / CSV. */
export interface LevelReport {
  mode: 'closed' | 'open';
  concurrency: number | null;
  /** Requested rate (open loop), requests/s. */
  rate: number | null;
  /** Successful answers per second inside the measured window. */
  throughput: number;
  latencyMs: LatencySummary;
  /** Failed requests by code. */
  errors: Record<string, number>;
  errorCount: number;
  windowMs: number;
  interrupted: boolean;
  /** Open loop only: requests due inside the window (answered, failed or dropped). */
  scheduled: number | null;
  /** Open loop only: requests sent per second inside the window. */
  achievedRate: number | null;
  /** Open loop only: requests sent more than 2 ms behind schedule. */
  late: number | null;
  maxSendLagMs: number | null;
  /** Open loop only: requests not sent because --max-inflight were out. */
  dropped: number | null;
  /** The server's split from its statistics; null when unavailable. */
  server: ServerSplit | null;
}

/**
 * Runs one level: connections are opened, the warm-up runs, the server's statistics are read as the measured window
 * opens and again after the last answer, and the latencies are summarized.
 *
 * @example
 * const report = await runLevel(target, { mode: 'closed', concurrency: 4 }, { warmupMs: 2000, durationMs: 10_000 }, signal);
 */
export async function runLevel(target: BenchTarget, spec: LevelSpec, timing: LevelTiming, signal: AbortSignal): Promise<LevelReport> {
  const sockets = spec.mode === 'closed' ? spec.concurrency : spec.maxInflight;
  const sender = target.transport === 'http' ? httpSender(target.prepared, sockets) : fetchSender(target.prepared);
  try {
    const running = spec.mode === 'closed'
      ? runClosedLoop(sender.send, { concurrency: spec.concurrency, ...timing, signal })
      : runOpenLoop(sender.send, { rate: spec.rate, arrivals: spec.arrivals, seed: spec.seed, maxInflight: spec.maxInflight, ...timing, signal });
    void running.catch(() => undefined); // awaited below; no unhandled rejection while the warm-up passes
    await REAL_CLOCK.sleep(timing.warmupMs, signal);
    const before = signal.aborted ? undefined : await target.readStats();
    const run = await running;
    const after = before === undefined ? undefined : await target.readStats();
    return levelReport(spec, run, before !== undefined && after !== undefined ? statsDelta(before, after) : null);
  } finally {
    sender.close();
  }
}

function levelReport(spec: LevelSpec, run: LoadRun | OpenLoopRun, server: ServerSplit | null): LevelReport {
  const open = 'scheduled' in run ? run : undefined;
  const errorCount = Object.values(run.errors).reduce((sum, count) => sum + count, 0);
  return {
    mode: spec.mode,
    concurrency: spec.mode === 'closed' ? spec.concurrency : null,
    rate: spec.mode === 'open' ? spec.rate : null,
    throughput: run.windowMs > 0 ? (run.completedInWindow * 1000) / run.windowMs : 0,
    latencyMs: summarizeLatencies(run.latenciesMs),
    errors: run.errors,
    errorCount,
    windowMs: run.windowMs,
    interrupted: run.interrupted,
    scheduled: open?.scheduled ?? null,
    achievedRate: open?.achievedRate ?? null,
    late: open?.late ?? null,
    maxSendLagMs: open?.maxSendLagMs ?? null,
    dropped: open?.dropped ?? null,
    server,
  };
}

/**
 * Reads the statistics of `version` (the concrete version the check request was answered by). The first failure
 * (e.g. a key without models:read) is noted once; from then on every read gives undefined and the split is left out.
 *
 * @example
 * const readStats = statsReader(client, 'iris', '3', (text) => process.stderr.write(`${text}\n`));
 */
export function statsReader(client: TesseraClient, model: string, version: string | undefined, note: (text: string) => void): () => Promise<ModelStatistics | undefined> {
  let failed = false;
  return async () => {
    if (failed) return undefined;
    try {
      return pickVersionStats(await client.modelStats(model, version), version);
    } catch (error) {
      failed = true;
      const reason = isTesseraError(error) ? `${error.message} (${error.code})` : (error as Error).message;
      note(`note: no server-side split: the statistics endpoint answered: ${reason}`);
      return undefined;
    }
  };
}
