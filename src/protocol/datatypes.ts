/** Open Inference Protocol v2 tensor datatypes and their element sizes. */
export const DATATYPES = [
  'BOOL', 'UINT8', 'UINT16', 'UINT32', 'UINT64', 'INT8', 'INT16', 'INT32', 'INT64',
  'FP16', 'BF16', 'FP32', 'FP64', 'BYTES',
] as const;

export type Datatype = (typeof DATATYPES)[number];

/** Bytes per element; BYTES is variable (0 here). */
export const DATATYPE_SIZE: Readonly<Record<Datatype, number>> = Object.freeze({
  BOOL: 1, UINT8: 1, UINT16: 2, UINT32: 4, UINT64: 8, INT8: 1, INT16: 2, INT32: 4, INT64: 8,
  FP16: 2, BF16: 2, FP32: 4, FP64: 8, BYTES: 0,
});

/** Datatypes that have no JSON form (binary extension only). */
export const BINARY_ONLY_DATATYPES: ReadonlySet<Datatype> = new Set<Datatype>(['FP16', 'BF16']);

export function isDatatype(value: unknown): value is Datatype {
  return typeof value === 'string' && (DATATYPES as readonly string[]).includes(value);
}

/** Tensor name, datatype and shape; -1 marks a variable dimension. */
export interface TensorMetadata {
  name: string;
  datatype: Datatype;
  shape: number[];
}
