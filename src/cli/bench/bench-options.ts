import { stringFlag, UsageError, type FlagSpec, type ParsedArgs } from '../parse-args.js';
import type { Arrivals } from './arrival-schedule.js';
import type { DataKind } from './bench-inputs.js';
import type { Transport } from './http-sender.js';

/** The flags of `tessera bench` (besides the global ones; `--data` here is the input data, `--data-dir` the folder). */
export const BENCH_FLAGS: FlagSpec = {
  version: 'string', shape: 'string', data: 'string', seed: 'string', protocol: 'string', transport: 'string',
  concurrency: 'string', rate: 'string', arrivals: 'string', 'max-inflight': 'string', warmup: 'string', duration: 'string',
  csv: 'string', sweep: 'boolean', 'sweep-instances': 'string', 'sweep-batch': 'string', 'sweep-delay-us': 'string',
  'sweep-rounds': 'string', 'p99-budget-ms': 'string',
};

/** One sweep grid: every instances × (batching off, or each max batch size × each delay). */
export interface SweepGrid {
  instances: number[];
  /** Max batch sizes; 0 stands for batching off. */
  batchSizes: number[];
  delaysUs: number[];
  /** Times the whole grid runs, interleaved (default 1); each candidate is judged by its median round. */
  rounds?: number;
  p99BudgetMs?: number;
}

/** Everything `tessera bench` was asked to do, checked. */
export interface BenchOptions {
  version?: string;
  shape?: string;
  data: DataKind;
  seed: number;
  protocol: 'binary' | 'json';
  transport: Transport;
  mode: 'closed' | 'open';
  concurrency: number[];
  rates: number[];
  arrivals: Arrivals;
  maxInflight: number;
  warmupMs: number;
  durationMs: number;
  /** Where the CSV goes: a file, `-` for stdout, or nowhere. */
  csv?: string;
  sweep?: SweepGrid;
}

/** Warm-up and duration of each sweep candidate unless --warmup / --duration say otherwise. */
export const SWEEP_DEFAULT_TIMING = { warmupMs: 1000, durationMs: 4000 } as const;

/**
 * Reads and checks the bench flags; every mistake is a UsageError (exit 2).
 *
 * @example
 * benchOptions(parseArgs(['--concurrency', '1,4', '--duration', '5s'], BENCH_FLAGS), false);
 * // → { mode: 'closed', concurrency: [1, 4], warmupMs: 2000, durationMs: 5000, … }
 */
export function benchOptions(args: ParsedArgs, json: boolean): BenchOptions {
  const sweep = args.flags.sweep === true;
  const rateText = stringFlag(args, 'rate');
  const concurrencyText = stringFlag(args, 'concurrency');
  if (rateText !== undefined && concurrencyText !== undefined) throw new UsageError('give --concurrency (closed loop) or --rate (open loop), not both');
  if (sweep && rateText !== undefined) throw new UsageError('--sweep runs closed-loop levels: use --concurrency, not --rate');
  const concurrency = positiveIntegers(concurrencyText ?? (sweep ? '16' : '1'), 'concurrency');
  if (sweep && concurrency.length > 1) throw new UsageError('--sweep runs every candidate at one --concurrency, e.g. --concurrency 16');
  const csv = stringFlag(args, 'csv');
  if (csv === '-' && json) throw new UsageError('--json and --csv - both write to stdout: pick one, or give --csv a file');
  const options: BenchOptions = {
    version: stringFlag(args, 'version'),
    shape: stringFlag(args, 'shape'),
    data: choice(stringFlag(args, 'data'), 'data', ['random', 'zeros'] as const, 'random'),
    seed: nonNegativeInteger(stringFlag(args, 'seed') ?? '1', 'seed'),
    protocol: choice(stringFlag(args, 'protocol'), 'protocol', ['binary', 'json'] as const, 'binary'),
    transport: choice(stringFlag(args, 'transport'), 'transport', ['http', 'fetch'] as const, 'http'),
    mode: rateText === undefined ? 'closed' : 'open',
    concurrency,
    rates: rateText === undefined ? [] : positiveNumbers(rateText, 'rate'),
    arrivals: choice(stringFlag(args, 'arrivals'), 'arrivals', ['constant', 'poisson'] as const, 'constant'),
    maxInflight: positiveIntegers(stringFlag(args, 'max-inflight') ?? '1000', 'max-inflight', true)[0],
    warmupMs: parseDuration(stringFlag(args, 'warmup'), 'warmup', sweep ? SWEEP_DEFAULT_TIMING.warmupMs : 2000, true),
    durationMs: parseDuration(stringFlag(args, 'duration'), 'duration', sweep ? SWEEP_DEFAULT_TIMING.durationMs : 10_000, false),
    csv,
  };
  if (sweep) options.sweep = sweepGrid(args);
  else {
    for (const flag of ['sweep-instances', 'sweep-batch', 'sweep-delay-us', 'sweep-rounds', 'p99-budget-ms']) {
      if (stringFlag(args, flag) !== undefined) throw new UsageError(`--${flag} belongs to --sweep`);
    }
  }
  return options;
}

function sweepGrid(args: ParsedArgs): SweepGrid {
  const batchText = stringFlag(args, 'sweep-batch') ?? 'off,8,32';
  const batchSizes = batchText.split(',').map((item) => item.trim()).map((item) => {
    if (item === 'off' || item === '0') return 0;
    return positiveIntegers(item, 'sweep-batch')[0];
  });
  const budget = stringFlag(args, 'p99-budget-ms');
  const grid: SweepGrid = {
    instances: positiveIntegers(stringFlag(args, 'sweep-instances') ?? '1,2', 'sweep-instances'),
    batchSizes: [...new Set(batchSizes)],
    delaysUs: nonNegativeIntegers(stringFlag(args, 'sweep-delay-us') ?? '200,1000', 'sweep-delay-us'),
    rounds: positiveIntegers(stringFlag(args, 'sweep-rounds') ?? '1', 'sweep-rounds', true)[0],
  };
  if (budget !== undefined) grid.p99BudgetMs = positiveNumbers(budget, 'p99-budget-ms', true)[0];
  return grid;
}

/**
 * A duration flag: `2s`, `500ms`, `0.2s`, `1m`, or a bare number of seconds, in ms.
 *
 * @example
 * parseDuration('0.2s', 'warmup', 2000, true); // 200
 */
export function parseDuration(text: string | undefined, flag: string, fallbackMs: number, zeroAllowed: boolean): number {
  if (text === undefined) return fallbackMs;
  const match = /^(\d+(?:\.\d+)?|\.\d+)(ms|s|m)?$/.exec(text.trim());
  if (!match) throw new UsageError(`--${flag} must be a duration like 10s, 500ms or 1m, got ${JSON.stringify(text)}`);
  const unit = match[2] ?? 's';
  const ms = Number(match[1]) * (unit === 'ms' ? 1 : unit === 's' ? 1000 : 60_000);
  if (ms > 24 * 3600_000) throw new UsageError(`--${flag} is longer than a day`);
  if (!zeroAllowed && ms <= 0) throw new UsageError(`--${flag} must be longer than zero`);
  return ms;
}

function choice<T extends string>(value: string | undefined, flag: string, allowed: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if (!(allowed as readonly string[]).includes(value)) throw new UsageError(`--${flag} must be ${allowed.join(' or ')}, got ${JSON.stringify(value)}`);
  return value as T;
}

function list(text: string, flag: string): string[] {
  const items = text.split(',').map((item) => item.trim());
  if (items.length === 0 || items.some((item) => item.length === 0)) throw new UsageError(`--${flag} takes a comma-separated list, got ${JSON.stringify(text)}`);
  return items;
}

function positiveIntegers(text: string, flag: string, single = false): number[] {
  const items = list(text, flag);
  if (single && items.length > 1) throw new UsageError(`--${flag} takes one number, got ${JSON.stringify(text)}`);
  return items.map((item) => {
    if (!/^[1-9]\d{0,6}$/.test(item)) throw new UsageError(`--${flag} takes positive integers, got ${JSON.stringify(item)}`);
    return Number(item);
  });
}

function nonNegativeIntegers(text: string, flag: string): number[] {
  return list(text, flag).map((item) => nonNegativeInteger(item, flag));
}

function nonNegativeInteger(text: string, flag: string): number {
  if (!/^\d{1,9}$/.test(text)) throw new UsageError(`--${flag} takes non-negative integers, got ${JSON.stringify(text)}`);
  return Number(text);
}

function positiveNumbers(text: string, flag: string, single = false): number[] {
  const items = list(text, flag);
  if (single && items.length > 1) throw new UsageError(`--${flag} takes one number, got ${JSON.stringify(text)}`);
  return items.map((item) => {
    const value = Number(item);
    if (!/^\d+(\.\d+)?$/.test(item) || !(value > 0) || value > 1_000_000) throw new UsageError(`--${flag} takes positive numbers, got ${JSON.stringify(item)}`);
    return value;
  });
}
