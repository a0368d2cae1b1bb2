import type { TensorMetadata } from '../../client/index.js';
import { formatTable } from '../format-table.js';
import type { LevelReport } from './level-runner.js';
import { describeCandidate, type SweepReport } from './sweep.js';

/** Everything one `tessera bench` run measured: the JSON output as is. */
export interface BenchReport {
  model: string;
  /** The version asked for (number or alias), or null for the model's default. */
  version: string | null;
  /** The version that answered. */
  servedVersion: string | null;
  protocol: 'binary' | 'json';
  transport: 'http' | 'fetch';
  mode: 'closed' | 'open';
  arrivals: 'constant' | 'poisson' | null;
  inputs: TensorMetadata[];
  requestBytes: number;
  warmupMs: number;
  durationMs: number;
  /** The levels of a closed- or open-loop run (empty for --sweep: its levels are in `sweep.results`). */
  levels: LevelReport[];
  sweep: SweepReport | null;
  interrupted: boolean;
}

/** The CSV columns, one row per level (sweep candidates add their settings). */
export const CSV_COLUMNS = [
  'mode', 'concurrency', 'rate', 'instances', 'max_batch_size', 'max_queue_delay_us', 'throughput', 'achieved_rate',
  'p50_ms', 'p90_ms', 'p99_ms', 'max_ms', 'mean_ms', 'answers', 'errors', 'error_codes', 'scheduled', 'late', 'dropped',
  'server_queue_ms', 'server_compute_ms', 'server_batch_size', 'window_ms', 'interrupted',
] as const;

/**
 * The report as CSV (RFC 4180, `\n` line ends): a header, then one row per level, or per measured sweep candidate.
 * Empty cells for figures that do not apply; `error_codes` is `CODE=count;…`.
 *
 * @example
 * writeFileSync('bench.csv', benchCsv(report));
 */
export function benchCsv(report: BenchReport): string {
  const rows: string[][] = [];
  if (report.sweep) {
    for (const result of report.sweep.results) {
      if (result.level === null) continue;
      rows.push(csvRow(result.level, [
        String(result.candidate.instances), String(result.candidate.batching?.maxBatchSize ?? ''), String(result.candidate.batching?.maxQueueDelayUs ?? ''),
      ]));
    }
  } else {
    for (const level of report.levels) rows.push(csvRow(level, ['', '', '']));
  }
  return [[...CSV_COLUMNS], ...rows].map((row) => row.map(csvCell).join(',')).join('\n') + '\n';
}

function csvRow(level: LevelReport, settings: string[]): string[] {
  return [
    level.mode, optional(level.concurrency), optional(level.rate), ...settings, fixed(level.throughput, 2), fixedOrEmpty(level.achievedRate, 2),
    fixed(level.latencyMs.p50, 3), fixed(level.latencyMs.p90, 3), fixed(level.latencyMs.p99, 3), fixed(level.latencyMs.max, 3), fixed(level.latencyMs.mean, 3),
    String(level.latencyMs.count), String(level.errorCount), errorCodes(level.errors, ';'), optional(level.scheduled), optional(level.late), optional(level.dropped),
    fixedOrEmpty(level.server?.queueMs ?? null, 4), fixedOrEmpty(level.server?.computeMs ?? null, 4), fixedOrEmpty(level.server?.batchSize ?? null, 2),
    fixed(level.windowMs, 0), String(level.interrupted),
  ];
}

/** The human report: a header line, the levels table, the error codes, and the sweep's table and recommendation. */
export function benchTable(report: BenchReport): string {
  const lines = [headerLine(report)];
  const levels = report.levels;
  if (levels.length > 0) lines.push('', levelsTable(report.mode, levels));
  for (const level of levels) {
    if (level.errorCount > 0) lines.push(`errors at ${levelName(level)}: ${errorCodes(level.errors, ', ')}`);
  }
  if (report.sweep) lines.push('', ...sweepLines(report.sweep, report.model));
  if (report.interrupted) lines.push('', 'interrupted: the figures cover what was measured before Ctrl-C');
  if (levels.some((level) => level.server === null)) lines.push('', 'server columns: - where the statistics endpoint gave nothing');
  return lines.join('\n');
}

function headerLine(report: BenchReport): string {
  const version = report.servedVersion === null ? '' : ` version ${report.servedVersion}${report.version !== null && report.version !== report.servedVersion ? ` (${report.version})` : ''}`;
  const inputs = report.inputs.map((input) => `${input.name} ${input.datatype}[${input.shape.join(',')}]`).join(', ');
  const loop = report.sweep ? 'sweep of runtime settings' : report.mode === 'closed' ? 'closed loop' : `open loop (${report.arrivals ?? 'constant'} arrivals)`;
  return `model ${report.model}${version}: ${inputs}; ${report.protocol} ${report.requestBytes} B over ${report.transport}; ${loop}, warm-up ${seconds(report.warmupMs)}, ${seconds(report.durationMs)} per ${report.sweep ? 'candidate' : 'level'}`;
}

function levelsTable(mode: 'closed' | 'open', levels: readonly LevelReport[]): string {
  const server = (level: LevelReport): string[] => [
    fixedOrDash(level.server?.queueMs ?? null, 3), fixedOrDash(level.server?.computeMs ?? null, 3), fixedOrDash(level.server?.batchSize ?? null, 2),
  ];
  const latency = (level: LevelReport): string[] => [level.latencyMs.p50, level.latencyMs.p90, level.latencyMs.p99, level.latencyMs.max].map((value) => fixedOrDash(value, 2));
  if (mode === 'closed') {
    return formatTable(
      ['CONCURRENCY', 'ANSWERS/S', 'P50 MS', 'P90 MS', 'P99 MS', 'MAX MS', 'ERRORS', 'SRV QUEUE MS', 'SRV COMPUTE MS', 'SRV BATCH'],
      levels.map((level) => [`${level.concurrency ?? ''}${level.interrupted ? '*' : ''}`, fixed(level.throughput, 1), ...latency(level), String(level.errorCount), ...server(level)]),
    );
  }
  return formatTable(
    ['RATE/S', 'SENT/S', 'ANSWERS/S', 'P50 MS', 'P90 MS', 'P99 MS', 'MAX MS', 'LATE', 'DROPPED', 'ERRORS', 'SRV QUEUE MS', 'SRV COMPUTE MS', 'SRV BATCH'],
    levels.map((level) => [
      `${level.rate ?? ''}${level.interrupted ? '*' : ''}`, fixedOrDash(level.achievedRate, 1), fixed(level.throughput, 1), ...latency(level),
      String(level.late ?? 0), String(level.dropped ?? 0), String(level.errorCount), ...server(level),
    ]),
  );
}

function sweepLines(sweep: SweepReport, model: string): string[] {
  const rows = sweep.results.map((result, index) => {
    const level = result.level;
    const mark = index === sweep.recommended ? '*' : '';
    const batching = result.candidate.batching;
    const settings = [`${index + 1}${mark}`, String(result.candidate.instances), batching ? String(batching.maxBatchSize) : 'off', batching ? String(batching.maxQueueDelayUs ?? '') : '-'];
    if (level === null) return [...settings, result.error === null ? 'not run' : 'skipped'];
    const spread = result.roundThroughputs.length > 1 ? ` (${fixed(Math.min(...result.roundThroughputs), 0)}–${fixed(Math.max(...result.roundThroughputs), 0)})` : '';
    return [
      ...settings, `${fixed(level.throughput, 1)}${spread}`, fixedOrDash(level.latencyMs.p50, 2), fixedOrDash(level.latencyMs.p99, 2), fixedOrDash(level.latencyMs.max, 2),
      String(level.errorCount), fixedOrDash(level.server?.queueMs ?? null, 3), fixedOrDash(level.server?.computeMs ?? null, 3), fixedOrDash(level.server?.batchSize ?? null, 2),
    ];
  });
  const lines = [
    `sweep at concurrency ${sweep.concurrency}${sweep.p99BudgetMs === null ? '' : `, p99 budget ${sweep.p99BudgetMs} ms`}${sweep.rounds > 1 ? `, median of ${sweep.rounds} interleaved rounds (range in brackets)` : ''}:`,
    formatTable(['#', 'INSTANCES', 'MAX BATCH', 'DELAY US', 'ANSWERS/S', 'P50 MS', 'P99 MS', 'MAX MS', 'ERRORS', 'SRV QUEUE MS', 'SRV COMPUTE MS', 'SRV BATCH'], rows),
  ];
  for (const [index, result] of sweep.results.entries()) {
    if (result.error !== null) lines.push(`#${index + 1} skipped: ${result.error}`);
    else if (result.level !== null && result.level.errorCount > 0) lines.push(`#${index + 1} errors: ${errorCodes(result.level.errors, ', ')}`);
  }
  lines.push('');
  if (sweep.recommended === null) {
    const why = sweep.interrupted && sweep.results.every((result) => result.level === null || result.level.interrupted)
      ? 'the sweep was interrupted before a candidate finished'
      : `no candidate answered every request${sweep.p99BudgetMs === null ? '' : ` within a p99 of ${sweep.p99BudgetMs} ms`}`;
    lines.push(`no recommendation: ${why}`);
  } else {
    const best = sweep.results[sweep.recommended];
    const level = best.level as LevelReport;
    lines.push(`recommended: #${sweep.recommended + 1} ${describeCandidate(best.candidate)} (${fixed(level.throughput, 1)} answers/s, p99 ${fixed(level.latencyMs.p99, 2)} ms)`);
    lines.push(`  apply with: PATCH /api/models/${model} {"runtime": ${JSON.stringify(best.runtime)}}, then unload and load the model`);
  }
  lines.push(sweep.restored ? `restored the original runtime settings: ${JSON.stringify(sweep.original)}` : 'WARNING: the original runtime settings were NOT restored (see the error above)');
  return lines;
}

function levelName(level: LevelReport): string {
  return level.mode === 'closed' ? `concurrency ${level.concurrency}` : `rate ${level.rate}/s`;
}

/** `QUEUE_FULL=3;HTTP_502=1` (sorted by count, most first). */
function errorCodes(errors: Record<string, number>, separator: string): string {
  return Object.entries(errors).sort(([, a], [, b]) => b - a).map(([code, count]) => `${code}=${count}`).join(separator);
}

function seconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

function fixed(value: number, digits: number): string {
  return Number.isFinite(value) ? value.toFixed(digits) : '';
}

function fixedOrEmpty(value: number | null, digits: number): string {
  return value === null ? '' : fixed(value, digits);
}

function fixedOrDash(value: number | null, digits: number): string {
  return value === null || !Number.isFinite(value) ? '-' : value.toFixed(digits);
}

function optional(value: number | null): string {
  return value === null ? '' : String(value);
}

function csvCell(value: string): string {
  return /[",\n\r]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}
