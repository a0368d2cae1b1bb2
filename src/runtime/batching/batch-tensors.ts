import type { Tensor, TensorData } from '../../core/index.js';

type NumericData = Exclude<TensorData, Uint8Array[]>;

/**
 * What must match for requests to share a batch: every input's name, datatype and non-batch dimensions, and the
 * requested outputs. Undefined when the request cannot be batched (a scalar input, or inputs that disagree on the
 * batch dimension).
 */
export function batchKey(inputs: readonly Tensor[], outputs: readonly string[]): string | undefined {
  const rows = inputs[0]?.shape[0];
  if (rows === undefined || rows < 1) return undefined;
  const parts: string[] = [];
  for (const tensor of [...inputs].sort((a, b) => (a.name < b.name ? -1 : 1))) {
    if (tensor.shape.length === 0 || tensor.shape[0] !== rows) return undefined;
    parts.push(`${tensor.name}:${tensor.datatype}:${tensor.shape.slice(1).join('x')}`);
  }
  return `${parts.join('|')}>${outputs.join(',')}`;
}

export function rowsOf(inputs: readonly Tensor[]): number {
  return inputs[0]?.shape[0] ?? 1;
}

/** One tensor per input name, the requests' rows stacked in order along the first dimension. */
export function mergeInputs(requests: ReadonlyArray<readonly Tensor[]>): Tensor[] {
  const first = requests[0];
  return first.map((tensor) => {
    const parts = requests.map((inputs) => inputs.find((candidate) => candidate.name === tensor.name)!);
    const rows = parts.reduce((sum, part) => sum + part.shape[0], 0);
    return { name: tensor.name, datatype: tensor.datatype, shape: [rows, ...tensor.shape.slice(1)], data: concat(parts.map((part) => part.data)) };
  });
}

function concat(parts: TensorData[]): TensorData {
  if (Array.isArray(parts[0])) return (parts as Uint8Array[][]).flat();
  const numeric = parts as NumericData[];
  const total = numeric.reduce((sum, part) => sum + part.length, 0);
  const out = new (numeric[0].constructor as new (length: number) => NumericData)(total);
  let offset = 0;
  for (const part of numeric) {
    (out as { set(array: ArrayLike<number | bigint>, offset: number): void }).set(part as ArrayLike<number | bigint>, offset);
    offset += part.length;
  }
  return out;
}

/**
 * Splits each output of a batched run back into the requests' rows (in the order they were merged). Each piece owns
 * its memory. Throws when an output's first dimension is not the batch's row count (the model does not batch).
 */
export function splitOutputs(outputs: readonly Tensor[], rows: readonly number[]): Tensor[][] {
  const total = rows.reduce((sum, n) => sum + n, 0);
  const pieces: Tensor[][] = rows.map(() => []);
  for (const output of outputs) {
    if (output.shape[0] !== total) {
      throw new Error(`output "${output.name}" has first dimension ${output.shape[0]}, not the batch's ${total} rows`);
    }
    const perRow = total === 0 ? 0 : lengthOf(output.data) / total;
    let row = 0;
    rows.forEach((count, index) => {
      pieces[index].push({ name: output.name, datatype: output.datatype, shape: [count, ...output.shape.slice(1)], data: sliceRows(output.data, row * perRow, (row + count) * perRow) });
      row += count;
    });
  }
  return pieces;
}

function lengthOf(data: TensorData): number {
  return data.length;
}

function sliceRows(data: TensorData, start: number, end: number): TensorData {
  return data.slice(start, end) as TensorData;
}
