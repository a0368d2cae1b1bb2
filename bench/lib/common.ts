/**
 * Shared helpers of the benchmarks: flags, statistics, interleaving, tables and the summary file run-all reads.
 * Nothing here asserts on timing; every figure is reported, never checked.
 */
import { writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg } from 'node:os';

export interface BenchFlags {
  /** Interleaved rounds (A B A B …); at least 3 for a median and a range. */
  rounds: number;
  /** Multiplies every phase duration (2 = twice as long per phase). */
  scale: number;
  /** Where to write the JSON summary (set by run-all). */
  summaryFile?: string;
  /** Every `--name value` flag, for bench-specific settings. */
  raw: Map<string, string>;
}

/**
 * Reads `--rounds N`, `--scale X`, `--summary-file F` and any other `--name value` flags; the environment variables
 * BENCH_ROUNDS and BENCH_SCALE give defaults.
 */
export function parseBenchFlags(argv: readonly string[] = process.argv.slice(2), defaults: { rounds?: number } = {}): BenchFlags {
  const raw = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--')) throw new Error(`Unexpected argument ${JSON.stringify(arg)}; flags are --name value.`);
    const eq = arg.indexOf('=');
    if (eq > 0) raw.set(arg.slice(2, eq), arg.slice(eq + 1));
    else if (i + 1 < argv.length && !argv[i + 1].startsWith('--')) raw.set(arg.slice(2), argv[++i]);
    else raw.set(arg.slice(2), 'true');
  }
  const rounds = positive(raw.get('rounds') ?? process.env.BENCH_ROUNDS, defaults.rounds ?? 3, 'rounds');
  const scale = positive(raw.get('scale') ?? process.env.BENCH_SCALE, 1, 'scale');
  return { rounds: Math.round(rounds), scale, summaryFile: raw.get('summary-file'), raw };
}

/** A numeric bench-specific flag, e.g. `flagNumber(flags, 'concurrency', 4)`. */
export function flagNumber(flags: BenchFlags, name: string, fallback: number): number {
  return positive(flags.raw.get(name), fallback, name);
}

/** A list flag, e.g. `--concurrency 2,4`. */
export function flagNumbers(flags: BenchFlags, name: string, fallback: number[]): number[] {
  const value = flags.raw.get(name);
  if (value === undefined) return fallback;
  return value.split(',').map((part) => positive(part, NaN, name));
}

function positive(value: string | undefined, fallback: number, name: string): number {
  if (value === undefined || value === '') return fallback;
  const number = Number(value);
  if (!Number.isFinite(number) || number <= 0) throw new Error(`--${name} must be a positive number, got ${JSON.stringify(value)}.`);
  return number;
}

// ── statistics ─────────────────────────────────────────────────────────────────────────────────────────────────

/** The q-quantile (0..1) of unsorted values, nearest-rank on a sorted copy. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return NaN;
  const sorted = Float64Array.from(values).sort();
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[index];
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const sorted = Float64Array.from(values).sort();
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export function mean(values: readonly number[]): number {
  return values.length === 0 ? NaN : values.reduce((a, b) => a + b, 0) / values.length;
}

export interface Spread {
  median: number;
  min: number;
  max: number;
  values: number[];
}

/** Median and range of per-round figures (ratios, rates). */
export function spread(values: readonly number[]): Spread {
  return { median: median(values), min: Math.min(...values), max: Math.max(...values), values: [...values] };
}

/** "0.97 (0.95–0.99)" */
export function formatSpread(s: Spread, digits = 2, suffix = ''): string {
  const f = (v: number): string => v.toFixed(digits) + suffix;
  return s.values.length <= 1 ? f(s.median) : `${f(s.median)} (${f(s.min)}–${f(s.max)})`;
}

/**
 * Rate of a closed loop from completion timestamps (ms): (n − 1) completions between the first and the last one.
 * Unlike count / window it has no edge quantisation, which matters when runs take hundreds of milliseconds.
 */
export function rateFromCompletions(completionsMs: readonly number[]): number {
  if (completionsMs.length < 2) return NaN;
  const first = completionsMs[0];
  const last = completionsMs[completionsMs.length - 1];
  return last > first ? ((completionsMs.length - 1) * 1000) / (last - first) : NaN;
}

/** Rotates the arm order each round (A B C, B C A, C A B, …) so no arm always runs first or right after another. */
export function roundOrder<T>(arms: readonly T[], round: number): T[] {
  const shift = round % arms.length;
  return [...arms.slice(shift), ...arms.slice(0, shift)];
}

// ── output ─────────────────────────────────────────────────────────────────────────────────────────────────────

/** A markdown table. */
export function table(header: readonly string[], rows: ReadonlyArray<readonly (string | number)[]>): string {
  const line = (cells: readonly (string | number)[]): string => `| ${cells.map(String).join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

export function ms(value: number, digits = 2): string {
  return Number.isFinite(value) ? value.toFixed(digits) : 'n/a';
}

export function us(valueMs: number, digits = 0): string {
  return Number.isFinite(valueMs) ? (valueMs * 1000).toFixed(digits) : 'n/a';
}

/** The machine line printed at the top of every benchmark. */
export function describeMachine(): string {
  const cpu = cpus()[0]?.model.trim() ?? 'unknown CPU';
  const load = loadavg().map((v) => v.toFixed(2)).join(' ');
  return `${availableParallelism()} cores (${cpu}), Node ${process.versions.node}, load average ${load}`;
}

/** One goal as run-all's summary lists it. */
export interface GoalResult {
  goal: string;
  target: string;
  /** The measured figure as printed, e.g. "0.97 (0.95–0.99)". */
  measured: string;
  /** Whether the median meets the target (informational only; nothing fails on it); null for figures without a target. */
  met: boolean | null;
}

export interface BenchSummary {
  bench: string;
  goals: GoalResult[];
  notes?: string[];
}

export function metText(met: boolean | null): string {
  return met === null ? '—' : met ? 'yes' : 'no';
}

/** Writes the summary for run-all when `--summary-file` was given, and prints it either way. */
export function finish(flags: BenchFlags, summary: BenchSummary): void {
  console.log('');
  console.log(table(['goal', 'target', 'measured (median, range over rounds)', 'met'],
    summary.goals.map((g) => [g.goal, g.target, g.measured, metText(g.met)])));
  for (const note of summary.notes ?? []) console.log(`note: ${note}`);
  if (flags.summaryFile) writeFileSync(flags.summaryFile, JSON.stringify(summary));
}

// ── CPU usage of the whole machine ─────────────────────────────────────────────────────────────────────────────

export interface CpuSample { busy: number; total: number }

/** Busy and total CPU time of all cores so far (from os.cpus(), i.e. /proc/stat). */
export function cpuSample(): CpuSample {
  let busy = 0;
  let total = 0;
  for (const cpu of cpus()) {
    const t = cpu.times;
    busy += t.user + t.nice + t.sys + t.irq;
    total += t.user + t.nice + t.sys + t.irq + t.idle;
  }
  return { busy, total };
}

/** Machine-wide busy share between two samples, 0..1 (other processes on the box included). */
export function cpuBusyShare(from: CpuSample, to: CpuSample): number {
  const total = to.total - from.total;
  return total > 0 ? (to.busy - from.busy) / total : NaN;
}

export const sleep = (msDelay: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, msDelay));

/** Deterministic pseudo-random floats in [0, 1) (so every arm and every run sees the same input). */
export function pseudoRandomFloats(count: number, seed = 12345): Float32Array {
  const out = new Float32Array(count);
  let state = seed >>> 0;
  for (let i = 0; i < count; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    out[i] = state / 4294967296;
  }
  return out;
}
