import { tensorDataToJson, type Datatype, type TensorData, type TensorMetadata } from '../protocol/index.js';

/** `[-1,4]` → `[-1, 4]`; a scalar is `[]`. */
export function formatShape(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

/**
 * One line per tensor of a signature: `name  DATATYPE  [shape]`, names aligned.
 *
 * @example
 * formatSignature([{ name: 'input', datatype: 'FP32', shape: [-1, 4] }]); // 'input  FP32  [-1, 4]'
 */
export function formatSignature(tensors: readonly TensorMetadata[]): string {
  if (tensors.length === 0) return '(none)';
  const width = Math.max(...tensors.map((tensor) => tensor.name.length));
  return tensors.map((tensor) => `${tensor.name.padEnd(width)}  ${tensor.datatype}  ${formatShape(tensor.shape)}`).join('\n');
}

/**
 * Tensor data for people: nested by shape, at most `limit` elements (the rest is counted), floats to 6
 * significant digits. FP16/BF16 are shown as their raw 16-bit patterns.
 *
 * @example
 * formatTensorData('FP32', [1, 3], new Float32Array([0.1, 0.2, 0.7])); // '[[0.1, 0.2, 0.7]]'
 */
export function formatTensorData(datatype: Datatype, shape: readonly number[], data: TensorData, limit = 200): string {
  const flat = datatype === 'FP16' || datatype === 'BF16'
    ? Array.from(data as Uint16Array, (bits) => `0x${bits.toString(16).padStart(4, '0')}`)
    : (tensorDataToJson(datatype, data) as Array<number | boolean | string>).map((value) => formatElement(datatype, value));
  if (flat.length > limit) return `[${flat.slice(0, limit).join(', ')}, … ${flat.length - limit} more]`;
  const nestable = shape.length > 0 && shape.reduce((product, dim) => product * dim, 1) === flat.length;
  return nest(flat, nestable ? shape : [flat.length]);
}

function formatElement(datatype: Datatype, value: number | boolean | string | null): string {
  if (value === null) return 'NaN';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' && (datatype === 'FP32' || datatype === 'FP64')) return String(Number(value.toPrecision(6)));
  return String(value);
}

function nest(flat: readonly string[], shape: readonly number[]): string {
  if (shape.length <= 1) return `[${flat.join(', ')}]`;
  const stride = flat.length / shape[0];
  const parts: string[] = [];
  for (let i = 0; i < shape[0]; i++) parts.push(nest(flat.slice(i * stride, (i + 1) * stride), shape.slice(1)));
  return `[${parts.join(', ')}]`;
}
