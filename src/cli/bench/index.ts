/**
 * `tessera bench`: the command and its measurement engine (closed and open loops over a fake-able clock and
 * sender, exact percentiles, the server's statistics split, the runtime-settings sweep, the report formats).
 */
export { benchCommand } from './bench-command.js';
export { arrivalGaps, type Arrivals } from './arrival-schedule.js';
export { benchInputs, parseShapeFlag, resolveShapes, type DataKind } from './bench-inputs.js';
export { BENCH_FLAGS, benchOptions, parseDuration, type BenchOptions, type SweepGrid } from './bench-options.js';
export { CSV_COLUMNS, benchCsv, benchTable, type BenchReport } from './bench-report.js';
export { runClosedLoop, type ClosedLoopOptions } from './closed-loop.js';
export { fetchSender, httpSender, type PooledSender, type Transport } from './http-sender.js';
export { runLevel, statsReader, type BenchTarget, type LevelReport, type LevelSpec, type LevelTiming } from './level-runner.js';
export { REAL_CLOCK, type BenchClock, type LoadRun, type Send, type SendOutcome } from './load-types.js';
export { LATE_AFTER_MS, runOpenLoop, type OpenLoopOptions, type OpenLoopRun } from './open-loop.js';
export { percentile, summarizeLatencies, type LatencySummary } from './percentiles.js';
export { pickVersionStats, statsDelta, type ServerSplit } from './server-stats.js';
export {
  SWEEP_SCOPE_HINT, candidateRuntime, describeCandidate, medianLevel, recommend, runSweep, sweepCandidates,
  type SweepCandidate, type SweepReport, type SweepResult,
} from './sweep.js';
