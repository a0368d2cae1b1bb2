import { isTesseraError, TesseraError, type TesseraClient } from '../../client/index.js';
import type { BatchingSettings, ModelRuntimeSettings } from '../../protocol/index.js';
import type { SweepGrid } from './bench-options.js';
import { runLevel, type BenchTarget, type LevelReport, type LevelTiming } from './level-runner.js';

/** One configuration tried by --sweep. */
export interface SweepCandidate {
  instances: number;
  /** Absent: batching off. */
  batching?: Pick<BatchingSettings, 'maxBatchSize' | 'maxQueueDelayUs'>;
}

/** A candidate and what it measured, or why it could not be measured. */
export interface SweepResult {
  candidate: SweepCandidate;
  /** The runtime settings sent for it. */
  runtime: ModelRuntimeSettings;
  /** The round with the median throughput (the only one without --sweep-rounds); null when never measured. */
  level: LevelReport | null;
  /** Answers/s of every round, in the order they ran. */
  roundThroughputs: number[];
  /** Why the candidate was skipped (settings refused, model failed to load). */
  error: string | null;
}

export interface SweepReport {
  concurrency: number;
  /** Times the whole grid ran, candidates interleaved (A B C A B C …). */
  rounds: number;
  /** The model's runtime settings before the sweep (restored after it). */
  original: ModelRuntimeSettings;
  results: SweepResult[];
  /** Index into `results` of the recommended candidate, or null when none qualifies. */
  recommended: number | null;
  p99BudgetMs: number | null;
  /** True once the original settings were written back and the model reloaded. */
  restored: boolean;
  interrupted: boolean;
}

/** What the sweep needs beside the level runner. */
export interface SweepDeps {
  client: TesseraClient;
  model: string;
  target: BenchTarget;
  note(text: string): void;
}

/** The hint added to a refusal of the management calls. */
export const SWEEP_SCOPE_HINT = '--sweep changes the model\'s runtime settings (PATCH /api/models/{model}, unload, load): it needs a key with the models:write scope';

/**
 * The grid: every instance count × (batching off, or every max batch size × every delay). Batching-off entries
 * ignore the delays.
 *
 * @example
 * sweepCandidates({ instances: [1], batchSizes: [0, 8], delaysUs: [200] });
 * // → [{ instances: 1 }, { instances: 1, batching: { maxBatchSize: 8, maxQueueDelayUs: 200 } }]
 */
export function sweepCandidates(grid: SweepGrid): SweepCandidate[] {
  const candidates: SweepCandidate[] = [];
  for (const instances of grid.instances) {
    for (const maxBatchSize of grid.batchSizes) {
      if (maxBatchSize === 0) candidates.push({ instances });
      else for (const maxQueueDelayUs of grid.delaysUs) candidates.push({ instances, batching: { maxBatchSize, maxQueueDelayUs } });
    }
  }
  return candidates;
}

/** The original settings with the candidate's instances and batching (a fresh batching block, or none). */
export function candidateRuntime(original: ModelRuntimeSettings, candidate: SweepCandidate): ModelRuntimeSettings {
  const { batching: _dropped, ...rest } = original;
  return candidate.batching === undefined ? { ...rest, instances: candidate.instances } : { ...rest, instances: candidate.instances, batching: { ...candidate.batching } };
}

/**
 * The highest-throughput candidate that answered everything (no errors, not interrupted) with p99 within the
 * budget, if one is given; null when none qualifies.
 *
 * @example
 * recommend(results, 5); // 2
 */
export function recommend(results: readonly SweepResult[], p99BudgetMs: number | undefined): number | null {
  let best: number | null = null;
  results.forEach((result, index) => {
    const level = result.level;
    if (level === null || level.interrupted || level.errorCount > 0 || level.latencyMs.count === 0) return;
    if (p99BudgetMs !== undefined && !(level.latencyMs.p99 <= p99BudgetMs)) return;
    if (best === null || level.throughput > (results[best].level?.throughput ?? 0)) best = index;
  });
  return best;
}

/**
 * Tries each candidate (`grid.rounds` times, interleaved, keeping the median round): writes its runtime settings (PATCH /api/models/{m}), unloads and loads the model so they
 * apply, and runs one closed-loop level at `concurrency`. Always writes the original settings back and reloads the
 * model, also after an error or Ctrl-C. A refused candidate (e.g. batching the server does not accept) is recorded
 * and skipped; a missing models:write scope stops the sweep with a hint.
 *
 * @example
 * const report = await runSweep(deps, grid, 16, { warmupMs: 1000, durationMs: 4000 }, signal);
 */
export async function runSweep(deps: SweepDeps, grid: SweepGrid, concurrency: number, timing: LevelTiming, signal: AbortSignal): Promise<SweepReport> {
  const original = (await withScopeHint(() => deps.client.getModel(deps.model))).runtime ?? {};
  const rounds = grid.rounds ?? 1;
  const report: SweepReport = {
    concurrency, rounds, original, results: [], recommended: null, p99BudgetMs: grid.p99BudgetMs ?? null, restored: false, interrupted: false,
  };
  report.results = sweepCandidates(grid).map((candidate) => ({
    candidate, runtime: candidateRuntime(original, candidate), level: null, roundThroughputs: [], error: null,
  }));
  const levels = report.results.map((): LevelReport[] => []);
  const written = { any: false };
  try {
    for (let round = 1; round <= rounds && !signal.aborted; round++) {
      for (const [index, result] of report.results.entries()) {
        if (signal.aborted) break;
        if (result.error !== null) continue;
        deps.note(`${rounds > 1 ? `round ${round}/${rounds}, ` : ''}candidate ${index + 1}/${report.results.length}: ${describeCandidate(result.candidate)}`);
        try {
          await withScopeHint(() => applyRuntime(deps.client, deps.model, result.runtime, written));
          const level = await runLevel(deps.target, { mode: 'closed', concurrency }, timing, signal);
          if (!level.interrupted || levels[index].length === 0) levels[index].push(level);
        } catch (error) {
          if (isScopeError(error)) throw error;
          result.error = isTesseraError(error) ? `${error.message} (${error.code})` : (error as Error).message;
          deps.note(`  skipped: ${result.error}`);
        }
      }
    }
  } finally {
    report.interrupted = signal.aborted;
    await restore(deps, original, written.any, report);
  }
  report.results.forEach((result, index) => {
    result.level = medianLevel(levels[index]);
    result.roundThroughputs = levels[index].map((level) => level.throughput);
  });
  report.recommended = recommend(report.results, grid.p99BudgetMs);
  return report;
}

/** The level with the median throughput (the lower middle one of an even count); null for none. */
export function medianLevel(levels: readonly LevelReport[]): LevelReport | null {
  if (levels.length === 0) return null;
  const sorted = [...levels].sort((a, b) => a.throughput - b.throughput);
  return sorted[Math.floor((sorted.length - 1) / 2)];
}

/** Writes the original settings back and reloads the model (nothing to do when no candidate was ever written). */
async function restore(deps: SweepDeps, original: ModelRuntimeSettings, written: boolean, report: SweepReport): Promise<void> {
  if (!written) {
    report.restored = true;
    return;
  }
  deps.note(`restoring the original runtime settings of ${deps.model}: ${JSON.stringify(original)}`);
  try {
    await applyRuntime(deps.client, deps.model, original);
    report.restored = true;
  } catch (error) {
    const reason = isTesseraError(error) ? `${error.message} (${error.code})` : (error as Error).message;
    deps.note(`error: could not restore the runtime settings of ${deps.model} (${reason}); set them back with PATCH /api/models/${deps.model} {"runtime": ${JSON.stringify(original)}}`);
  }
}

/** `instances 2, batching off` or `instances 1, batch ≤ 8, delay 200 µs`. */
export function describeCandidate(candidate: SweepCandidate): string {
  const batching = candidate.batching === undefined
    ? 'batching off'
    : `batch ≤ ${candidate.batching.maxBatchSize}, delay ${candidate.batching.maxQueueDelayUs ?? 500} µs`;
  return `instances ${candidate.instances}, ${batching}`;
}

/** Writes the runtime settings, then unloads and loads the model so they apply. */
async function applyRuntime(client: TesseraClient, model: string, runtime: ModelRuntimeSettings, written = { any: false }): Promise<void> {
  await client.updateModel(model, { runtime });
  written.any = true;
  await client.unloadModel(model);
  await client.loadModel(model);
}

function isScopeError(error: unknown): boolean {
  return isTesseraError(error) && (error.code === 'FORBIDDEN' || error.code === 'UNAUTHENTICATED');
}

/** Runs a management call; a FORBIDDEN / UNAUTHENTICATED refusal gets the models:write hint. */
async function withScopeHint<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (isScopeError(error)) {
      const refusal = error as TesseraError;
      throw new TesseraError(refusal.status, refusal.code, `${refusal.message} — ${SWEEP_SCOPE_HINT}`, refusal.body);
    }
    throw error;
  }
}
