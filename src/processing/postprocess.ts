import { elementCount, fail, type Tensor } from '../core/index.js';
import type { Activation } from './preprocess-settings.js';

/** One class of a top-k answer. `label` is `labels[index]`, or the index as a string when there is no label. */
export interface ClassScore {
  label: string;
  index: number;
  probability: number;
}

/**
 * Numerically stable softmax: exp(x − max) / Σ exp(x − max), in float64.
 *
 * @example softmax([1, 2, 3]) // [0.0900, 0.2447, 0.6652]
 */
export function softmax(values: ArrayLike<number>): number[] {
  let max = -Infinity;
  for (let i = 0; i < values.length; i++) max = Math.max(max, values[i]);
  const exps = Array.from(values, (value) => Math.exp(value - max));
  const sum = exps.reduce((total, value) => total + value, 0);
  return exps.map((value) => value / sum);
}

/**
 * Element-wise logistic function 1 / (1 + exp(−x)), for multi-label outputs.
 *
 * @example sigmoid([0, 2]) // [0.5, 0.8808]
 */
export function sigmoid(values: ArrayLike<number>): number[] {
  return Array.from(values, (value) => 1 / (1 + Math.exp(-value)));
}

/**
 * The k most probable classes of each batch entry of a classifier output, highest first (ties: lower index first;
 * NaN last). The output is [N, C] (or [N, C, 1, 1] and the like: each entry is its elements / N), or [C] for one
 * entry. `activation` is applied per entry before ranking (default `'none'`: the model already ends in softmax).
 * k larger than C gives all C.
 *
 * Throws `INVALID_PARAMETER` for a k that is not a positive integer, `CLASSIFICATION_UNSUPPORTED` for a non-float
 * output.
 *
 * @example
 * topK({ name: 'probs', datatype: 'FP32', shape: [1, 3], data: new Float32Array([0.1, 0.7, 0.2]) }, 2, ['a', 'b', 'c'])
 * // → [[{ label: 'b', index: 1, probability: 0.7 }, { label: 'c', index: 2, probability: 0.2 }]]  (float32 values)
 */
export function topK(output: Tensor, k: number, labels: readonly string[], activation: Activation = 'none'): ClassScore[][] {
  if (!Number.isSafeInteger(k) || k < 1) fail('INVALID_PARAMETER', `Top-k needs a positive integer k, got ${k}.`);
  if (output.datatype !== 'FP32' && output.datatype !== 'FP64') {
    fail('CLASSIFICATION_UNSUPPORTED', `Top-k needs an FP32 or FP64 output; "${output.name}" is ${output.datatype}.`);
  }
  const values = output.data as Float32Array | Float64Array;
  const batch = output.shape.length >= 2 ? output.shape[0] : 1;
  const perEntry = batch === 0 ? 0 : elementCount(output.shape) / batch;
  const result: ClassScore[][] = [];
  for (let b = 0; b < batch; b++) {
    const scores = activate(values.subarray(b * perEntry, (b + 1) * perEntry), activation);
    result.push(rank(scores, Math.min(k, perEntry)).map((index) => ({
      label: labels[index] ?? String(index),
      index,
      probability: scores[index],
    })));
  }
  return result;
}

function activate(entry: Float32Array | Float64Array, activation: Activation): ArrayLike<number> {
  if (activation === 'softmax') return softmax(entry);
  if (activation === 'sigmoid') return sigmoid(entry);
  return entry;
}

function rank(scores: ArrayLike<number>, k: number): number[] {
  const indices = Array.from({ length: scores.length }, (_, i) => i);
  indices.sort((a, b) => {
    const x = scores[a];
    const y = scores[b];
    if (Number.isNaN(x) || Number.isNaN(y)) return Number.isNaN(x) === Number.isNaN(y) ? a - b : (Number.isNaN(x) ? 1 : -1);
    return x === y ? a - b : y - x;
  });
  return indices.slice(0, k);
}
