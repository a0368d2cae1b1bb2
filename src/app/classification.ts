import { elementCount, fail, type Tensor } from '../core/index.js';

/**
 * The classification extension (Triton): an output becomes BYTES strings "value:index[:label]" holding the top k
 * entries by value, per batch entry when the output has a batch dimension (rank ≥ 2). Floats are written with six
 * decimals like Triton's std::to_string.
 */
export function classify(output: Tensor, k: number, labels: readonly string[]): Tensor {
  if (!Number.isSafeInteger(k) || k < 1) fail('INVALID_PARAMETER', `Parameter "classification" of output "${output.name}" must be a positive integer.`);
  if (output.datatype === 'BYTES' || output.datatype === 'FP16' || output.datatype === 'BF16') {
    fail('CLASSIFICATION_UNSUPPORTED', `Classification is not available for output "${output.name}" of type ${output.datatype}.`);
  }
  const values = output.data as ArrayLike<number | bigint>;
  const batched = output.shape.length >= 2;
  const batch = batched ? output.shape[0] : 1;
  const perEntry = batch === 0 ? 0 : elementCount(output.shape) / batch;
  const kept = Math.min(k, perEntry);
  const isFloat = output.datatype === 'FP32' || output.datatype === 'FP64';
  const data: Uint8Array[] = [];
  for (let b = 0; b < batch; b++) {
    for (const index of topIndices(values, b * perEntry, perEntry, kept)) {
      const value = values[b * perEntry + index];
      const text = isFloat ? (value as number).toFixed(6) : String(value);
      const label = labels[index];
      data.push(new TextEncoder().encode(label === undefined ? `${text}:${index}` : `${text}:${index}:${label}`));
    }
  }
  return { name: output.name, datatype: 'BYTES', shape: batched ? [batch, kept] : [kept], data };
}

function topIndices(values: ArrayLike<number | bigint>, offset: number, length: number, k: number): number[] {
  const indices = Array.from({ length }, (_, i) => i);
  indices.sort((a, b) => {
    const x = values[offset + a];
    const y = values[offset + b];
    return x === y ? a - b : (y > x ? 1 : -1);
  });
  return indices.slice(0, k);
}
