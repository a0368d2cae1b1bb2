/**
 * Plain TypeScript shapes of the ONNX protobuf messages tessera reads and writes (a subset of onnx.proto3).
 *
 * Conventions, chosen so that `decodeModel(encodeModel(m))` deep-equals `m` for any decoded `m`:
 * - field names are the camelCase of the proto names (`ir_version` → `irVersion`);
 * - repeated fields are always arrays (empty when absent);
 * - singular fields are optional and present exactly when the field was on the wire (proto2-style presence, which is
 *   what the reference onnx library and onnxruntime use), so `{ type: INT, i: 0 }` keeps its explicit zero;
 * - `bytes` fields are `Uint8Array` views into the decoded buffer (no copy);
 * - int64 values that may legitimately exceed 2^53 (`AttributeProto.i/ints`, `TensorProto.int64Data/uint64Data`) are
 *   `Int64` (a number when it is a safe integer, else a bigint); the others (versions, dims) are numbers and the
 *   decoder refuses unsafe values.
 *
 * Fields tessera does not model (e.g. `TensorProto.segment`, `AttributeProto.tp`, `NodeProto.device_configurations`)
 * are skipped by the decoder and therefore dropped by a decode → encode round trip.
 */

/** A 64-bit integer: a number when it is a safe integer, otherwise a bigint. */
export type Int64 = number | bigint;

/** `TensorProto.DataType` values (the element type of tensors and of `TypeProto.Tensor.elem_type`). */
export const TensorDataType = {
  UNDEFINED: 0, FLOAT: 1, UINT8: 2, INT8: 3, UINT16: 4, INT16: 5, INT32: 6, INT64: 7, STRING: 8, BOOL: 9,
  FLOAT16: 10, DOUBLE: 11, UINT32: 12, UINT64: 13, COMPLEX64: 14, COMPLEX128: 15, BFLOAT16: 16,
  FLOAT8E4M3FN: 17, FLOAT8E4M3FNUZ: 18, FLOAT8E5M2: 19, FLOAT8E5M2FNUZ: 20, UINT4: 21, INT4: 22, FLOAT4E2M1: 23,
} as const;

/** `AttributeProto.AttributeType` values. */
export const AttributeType = {
  UNDEFINED: 0, FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, GRAPH: 5, FLOATS: 6, INTS: 7, STRINGS: 8, TENSORS: 9,
  GRAPHS: 10, SPARSE_TENSOR: 11, SPARSE_TENSORS: 12, TYPE_PROTO: 13, TYPE_PROTOS: 14,
} as const;

/** `TensorProto.DataLocation` values. */
export const DataLocation = { DEFAULT: 0, EXTERNAL: 1 } as const;

export interface StringStringEntryProto {
  key?: string;
  value?: string;
}

export interface OperatorSetIdProto {
  /** '' (or absent) and 'ai.onnx' both mean the default ONNX domain. */
  domain?: string;
  version?: number;
}

export interface TensorProto {
  dims: number[];
  dataType?: number;
  floatData: number[];
  int32Data: number[];
  stringData: Uint8Array[];
  int64Data: Int64[];
  name?: string;
  docString?: string;
  /** Little-endian element bytes; a view into the decoded buffer. */
  rawData?: Uint8Array;
  doubleData: number[];
  uint64Data: Int64[];
  /** For data_location EXTERNAL: `location`, `offset`, `length`, `checksum` entries. */
  externalData: StringStringEntryProto[];
  dataLocation?: number;
  metadataProps: StringStringEntryProto[];
}

export interface SparseTensorProto {
  values?: TensorProto;
  indices?: TensorProto;
  dims: number[];
}

export interface TensorShapeDimension {
  dimValue?: number;
  dimParam?: string;
  denotation?: string;
}

export interface TensorShapeProto {
  dim: TensorShapeDimension[];
}

/** `TypeProto.Tensor` and `TypeProto.SparseTensor`. An absent `shape` means unknown rank; `{ dim: [] }` is a scalar. */
export interface TypeProtoTensor {
  elemType?: number;
  shape?: TensorShapeProto;
}

export interface TypeProto {
  tensorType?: TypeProtoTensor;
  sequenceType?: { elemType?: TypeProto };
  mapType?: { keyType?: number; valueType?: TypeProto };
  opaqueType?: { domain?: string; name?: string };
  sparseTensorType?: TypeProtoTensor;
  optionalType?: { elemType?: TypeProto };
  denotation?: string;
}

export interface ValueInfoProto {
  name?: string;
  type?: TypeProto;
  docString?: string;
  metadataProps: StringStringEntryProto[];
}

export interface AttributeProto {
  name?: string;
  refAttrName?: string;
  docString?: string;
  /** An `AttributeType` value naming which of the value fields below is in use. */
  type?: number;
  f?: number;
  i?: Int64;
  s?: Uint8Array;
  t?: TensorProto;
  g?: GraphProto;
  sparseTensor?: SparseTensorProto;
  floats: number[];
  ints: Int64[];
  strings: Uint8Array[];
  tensors: TensorProto[];
  graphs: GraphProto[];
  sparseTensors: SparseTensorProto[];
}

export interface NodeProto {
  input: string[];
  output: string[];
  name?: string;
  opType?: string;
  /** '' (or absent) and 'ai.onnx' both mean the default ONNX domain. */
  domain?: string;
  overload?: string;
  attribute: AttributeProto[];
  docString?: string;
  metadataProps: StringStringEntryProto[];
}

export interface TensorAnnotation {
  tensorName?: string;
  quantParameterTensorNames: StringStringEntryProto[];
}

export interface GraphProto {
  node: NodeProto[];
  name?: string;
  initializer: TensorProto[];
  sparseInitializer: SparseTensorProto[];
  docString?: string;
  input: ValueInfoProto[];
  output: ValueInfoProto[];
  valueInfo: ValueInfoProto[];
  quantizationAnnotation: TensorAnnotation[];
  metadataProps: StringStringEntryProto[];
}

export interface TrainingInfoProto {
  initialization?: GraphProto;
  algorithm?: GraphProto;
  initializationBinding: StringStringEntryProto[];
  updateBinding: StringStringEntryProto[];
}

/** A model-local function (IR ≥ 8), called by nodes whose (domain, op_type, overload) match its own. */
export interface FunctionProto {
  name?: string;
  input: string[];
  output: string[];
  attribute: string[];
  attributeProto: AttributeProto[];
  node: NodeProto[];
  docString?: string;
  opsetImport: OperatorSetIdProto[];
  domain?: string;
  overload?: string;
  valueInfo: ValueInfoProto[];
  metadataProps: StringStringEntryProto[];
}

export interface ModelProto {
  irVersion?: number;
  opsetImport: OperatorSetIdProto[];
  producerName?: string;
  producerVersion?: string;
  domain?: string;
  modelVersion?: number;
  docString?: string;
  graph?: GraphProto;
  metadataProps: StringStringEntryProto[];
  trainingInfo: TrainingInfoProto[];
  functions: FunctionProto[];
}
