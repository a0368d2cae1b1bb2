import type { ModelStatistics } from '../../protocol/index.js';

/** The server's own account of one level: what its statistics moved by between two snapshots. */
export interface ServerSplit {
  /** Successful inferences the server counted. */
  requests: number;
  /** Mean time a request waited in the model's queue, ms. */
  queueMs: number;
  /** Mean compute (onnxruntime run) time per request, ms. */
  computeMs: number;
  /** Mean rows per execution from `batch_stats` (1 without batching); null when the server reports none. */
  batchSize: number | null;
  /** Executions (batches) the server ran. */
  executions: number;
}

/**
 * The difference between two snapshots of `GET /v2/models/{m}/versions/{v}/stats`: deltas of
 * `inference_stats.queue.ns`, `compute_infer.ns` and `success.count` give the mean queue and compute time per
 * request; `batch_stats` gives the mean executed batch size (Σ size·Δcount / ΣΔcount). Null when there was no
 * successful request between the two.
 *
 * @example
 * const split = statsDelta(before, after); // { requests: 812, queueMs: 0.04, computeMs: 0.02, batchSize: 1, executions: 812 }
 */
export function statsDelta(before: ModelStatistics, after: ModelStatistics): ServerSplit | null {
  const requests = after.inference_stats.success.count - before.inference_stats.success.count;
  if (requests <= 0) return null;
  const queueNs = after.inference_stats.queue.ns - before.inference_stats.queue.ns;
  const computeNs = after.inference_stats.compute_infer.ns - before.inference_stats.compute_infer.ns;
  const earlier = new Map((before.batch_stats ?? []).map((entry) => [entry.batch_size, entry.compute_infer.count]));
  let executions = 0;
  let rows = 0;
  for (const entry of after.batch_stats ?? []) {
    const count = entry.compute_infer.count - (earlier.get(entry.batch_size) ?? 0);
    if (count <= 0) continue;
    executions += count;
    rows += count * entry.batch_size;
  }
  return {
    requests,
    queueMs: queueNs / requests / 1e6,
    computeMs: computeNs / requests / 1e6,
    batchSize: executions > 0 ? rows / executions : null,
    executions: executions > 0 ? executions : after.execution_count - before.execution_count,
  };
}

/** The entry of `version` in a stats answer (the only one when `version` is undefined and there is one). */
export function pickVersionStats(stats: readonly ModelStatistics[], version: string | undefined): ModelStatistics | undefined {
  if (version === undefined) return stats.length === 1 ? stats[0] : undefined;
  return stats.find((entry) => entry.version === version);
}
