import type { DurationStat, ModelStatistics } from '../protocol/index.js';

/** The version a statistic belongs to: its server id (so a deleted and re-created model starts from zero). */
export interface CountedVersion {
  id: number;
  model: string;
  version: number;
}

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
  /** Rows of this request. */
  rows: number;
  /** Rows of the execution it was part of (dynamic batching merges requests). */
  batchSize: number;
  /** Counts the execution once: true for one request per execution. */
  firstInBatch: boolean;
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
  private readonly counters = new Map<number, VersionCounters>();

  success(version: CountedVersion, run: RunRecord, now = Date.now()): void {
    const c = this.entry(version.id);
    c.lastInference = now;
    c.inferenceCount += run.rows;
    add(c.success, run.totalNs);
    add(c.queue, run.queueNs);
    add(c.computeInfer, run.computeNs);
    if (!run.firstInBatch) return;
    c.executionCount += 1;
    let batch = c.batches.get(run.batchSize);
    if (batch === undefined) c.batches.set(run.batchSize, (batch = zero()));
    add(batch, run.computeNs);
  }

  /** An answer from the response cache: a success without queue or compute time. */
  cached(version: CountedVersion, rows: number, totalNs: number, now = Date.now()): void {
    const c = this.entry(version.id);
    c.lastInference = now;
    c.inferenceCount += rows;
    add(c.success, totalNs);
  }

  failure(version: CountedVersion, totalNs: number): void {
    add(this.entry(version.id).fail, totalNs);
  }

  /** Statistics of the given versions, zero for versions that served nothing yet. */
  report(versions: readonly CountedVersion[]): ModelStatistics[] {
    return versions.map((version) => toStatistics(version.model, version.version, this.counters.get(version.id)));
  }

  private entry(key: number): VersionCounters {
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
