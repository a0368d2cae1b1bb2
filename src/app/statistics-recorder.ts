import type { DurationStat, ModelStatistics } from '../protocol/index.js';

interface VersionCounters {
  lastInference: number;
  inferenceCount: number;
  executionCount: number;
  success: DurationStat;
  fail: DurationStat;
  queue: DurationStat;
  computeInfer: DurationStat;
  batches: Map<number, DurationStat>;
}

export interface RunRecord {
  batchSize: number;
  totalNs: number;
  queueNs: number;
  computeNs: number;
}

const zero = (): DurationStat => ({ count: 0, ns: 0 });

function add(stat: DurationStat, ns: number): void {
  stat.count += 1;
  stat.ns += ns;
}

/** Cumulative per-version numbers for the statistics extension (`/v2/models/.../stats`). In memory, per process. */
export class StatisticsRecorder {
  private readonly counters = new Map<string, VersionCounters>();

  success(model: string, version: number, run: RunRecord, now = Date.now()): void {
    const c = this.entry(model, version);
    c.lastInference = now;
    c.inferenceCount += run.batchSize;
    c.executionCount += 1;
    add(c.success, run.totalNs);
    add(c.queue, run.queueNs);
    add(c.computeInfer, run.computeNs);
    let batch = c.batches.get(run.batchSize);
    if (batch === undefined) c.batches.set(run.batchSize, (batch = zero()));
    add(batch, run.computeNs);
  }

  failure(model: string, version: number, totalNs: number): void {
    add(this.entry(model, version).fail, totalNs);
  }

  /** Statistics for the given versions of a model (every version the recorder saw when `versions` is omitted). */
  report(model: string, versions: readonly number[]): ModelStatistics[] {
    return versions.map((version) => toStatistics(model, version, this.counters.get(`${model}\u0000${version}`)));
  }

  forget(model: string): void {
    for (const key of this.counters.keys()) if (key.startsWith(`${model}\u0000`)) this.counters.delete(key);
  }

  private entry(model: string, version: number): VersionCounters {
    const key = `${model}\u0000${version}`;
    let entry = this.counters.get(key);
    if (entry === undefined) {
      entry = { lastInference: 0, inferenceCount: 0, executionCount: 0, success: zero(), fail: zero(), queue: zero(), computeInfer: zero(), batches: new Map() };
      this.counters.set(key, entry);
    }
    return entry;
  }
}

function toStatistics(model: string, version: number, c: VersionCounters | undefined): ModelStatistics {
  return {
    name: model,
    version: String(version),
    last_inference: c?.lastInference ?? 0,
    inference_count: c?.inferenceCount ?? 0,
    execution_count: c?.executionCount ?? 0,
    inference_stats: {
      success: c?.success ?? zero(), fail: c?.fail ?? zero(), queue: c?.queue ?? zero(),
      compute_input: zero(), compute_infer: c?.computeInfer ?? zero(), compute_output: zero(),
      cache_hit: zero(), cache_miss: zero(),
    },
    batch_stats: [...(c?.batches ?? new Map<number, DurationStat>()).entries()].sort(([a], [b]) => a - b)
      .map(([size, stat]) => ({ batch_size: size, compute_input: zero(), compute_infer: { ...stat }, compute_output: zero() })),
  };
}
