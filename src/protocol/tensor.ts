import type { Datatype } from './datatypes.js';

/** Element storage per datatype: typed arrays for numbers (FP16/BF16 as raw Uint16 bits, BOOL as 0/1 bytes), byte strings for BYTES. */
export type TensorData =
  | Float32Array | Float64Array
  | Int8Array | Int16Array | Int32Array | BigInt64Array
  | Uint8Array | Uint16Array | Uint32Array | BigUint64Array
  | Uint8Array[];

/** A named tensor as it travels between the transports, the use cases and the runtime. Row-major. */
export interface Tensor {
  name: string;
  datatype: Datatype;
  shape: number[];
  data: TensorData;
}

type NumericDatatype = Exclude<Datatype, 'BYTES'>;

const ARRAY_TYPES = {
  BOOL: Uint8Array, UINT8: Uint8Array, UINT16: Uint16Array, UINT32: Uint32Array, UINT64: BigUint64Array,
  INT8: Int8Array, INT16: Int16Array, INT32: Int32Array, INT64: BigInt64Array,
  FP16: Uint16Array, BF16: Uint16Array, FP32: Float32Array, FP64: Float64Array,
} as const;

/** Product of a shape's dimensions (1 for a scalar). */
export function elementCount(shape: readonly number[]): number {
  let count = 1;
  for (const dim of shape) count *= dim;
  return count;
}

/** A zeroed typed array for a numeric datatype. */
export function allocateNumeric(datatype: NumericDatatype, count: number): Exclude<TensorData, Uint8Array[]> {
  return new ARRAY_TYPES[datatype](count);
}

/** A typed-array view over little-endian bytes, copying only when the offset is misaligned. */
export function viewNumeric(datatype: NumericDatatype, bytes: Uint8Array): Exclude<TensorData, Uint8Array[]> {
  const Ctor = ARRAY_TYPES[datatype];
  const size = Ctor.BYTES_PER_ELEMENT;
  if (bytes.byteOffset % size === 0) return new Ctor(bytes.buffer as ArrayBuffer, bytes.byteOffset, bytes.byteLength / size);
  const copy = new Uint8Array(bytes.byteLength);
  copy.set(bytes);
  return new Ctor(copy.buffer, 0, bytes.byteLength / size);
}

/** The little-endian bytes of a numeric tensor (a view, no copy). */
export function numericBytes(data: Exclude<TensorData, Uint8Array[]>): Uint8Array {
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

export function isBytesData(data: TensorData): data is Uint8Array[] {
  return Array.isArray(data);
}
