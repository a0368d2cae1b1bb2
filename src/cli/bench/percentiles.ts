/** Latency figures of one level, in ms. */
export interface LatencySummary {
  count: number;
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

/**
 * The `p`-th percentile (0 < p ≤ 100) of ascending `sorted` samples by the nearest-rank method: the smallest
 * sample with at least p % of the samples at or below it. Exact (no interpolation, no histogram error); NaN for
 * no samples.
 *
 * @example
 * percentile([1, 2, 3, 4], 50); // 2
 * percentile([1, 2, 3, 4], 99); // 4
 */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (!(p > 0 && p <= 100)) throw new RangeError(`a percentile is in (0, 100], got ${p}`);
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length - 1e-9);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

/**
 * Count, mean, p50/p90/p99 and max of latency samples (ms), from an exact sort of all of them. NaN figures when
 * there are none.
 *
 * @example
 * summarizeLatencies([3, 1, 2]); // { count: 3, mean: 2, p50: 2, p90: 3, p99: 3, max: 3 }
 */
export function summarizeLatencies(samples: readonly number[]): LatencySummary {
  const sorted = Float64Array.from(samples).sort();
  let sum = 0;
  for (const value of sorted) sum += value;
  const count = sorted.length;
  return {
    count,
    mean: count === 0 ? Number.NaN : sum / count,
    p50: percentile(sorted, 50),
    p90: percentile(sorted, 90),
    p99: percentile(sorted, 99),
    max: count === 0 ? Number.NaN : sorted[count - 1],
  };
}
