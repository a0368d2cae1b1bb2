import type {
  SparseTensorProto, StringStringEntryProto, TensorProto, TensorShapeProto, TypeProto, TypeProtoTensor, ValueInfoProto,
} from './onnx-types.js';
import { ProtobufWriter } from './protobuf-writer.js';

/**
 * Encodes a single `TensorProto` (e.g. to store a tensor on its own, or to build protobuf test fixtures).
 *
 * @example
 * const bytes = encodeTensor({ ...emptyTensor, name: 'w', dims: [2], dataType: 1, floatData: [1, 2] });
 */
export function encodeTensor(tensor: TensorProto): Uint8Array {
  const writer = new ProtobufWriter();
  writeTensor(writer, tensor);
  return writer.finish();
}

/**
 * Writes the fields of a `TensorProto` in field-number order. Repeated scalars are packed exactly where onnx.proto
 * declares `[packed = true]` (the `*_data` fields) and unpacked elsewhere (`dims`), as the reference onnx library
 * writes them, so re-encoding a model it wrote usually reproduces the original bytes.
 */
export function writeTensor(w: ProtobufWriter, tensor: TensorProto): void {
  w.repeatedVarints(1, tensor.dims);
  if (tensor.dataType !== undefined) w.int32(2, tensor.dataType);
  w.packedFloats(4, tensor.floatData);
  w.packedVarints(5, tensor.int32Data);
  for (const value of tensor.stringData) w.bytes(6, value);
  w.packedVarints(7, tensor.int64Data);
  if (tensor.name !== undefined) w.string(8, tensor.name);
  if (tensor.rawData !== undefined) w.bytes(9, tensor.rawData);
  w.packedDoubles(10, tensor.doubleData);
  w.packedVarints(11, tensor.uint64Data);
  if (tensor.docString !== undefined) w.string(12, tensor.docString);
  for (const entry of tensor.externalData) w.message(13, (m) => writeEntry(m, entry));
  if (tensor.dataLocation !== undefined) w.int32(14, tensor.dataLocation);
  for (const entry of tensor.metadataProps) w.message(16, (m) => writeEntry(m, entry));
}

export function writeSparseTensor(w: ProtobufWriter, sparse: SparseTensorProto): void {
  const { values, indices } = sparse;
  if (values !== undefined) w.message(1, (m) => writeTensor(m, values));
  if (indices !== undefined) w.message(2, (m) => writeTensor(m, indices));
  w.repeatedVarints(3, sparse.dims);
}

export function writeEntry(w: ProtobufWriter, entry: StringStringEntryProto): void {
  if (entry.key !== undefined) w.string(1, entry.key);
  if (entry.value !== undefined) w.string(2, entry.value);
}

export function writeValueInfo(w: ProtobufWriter, info: ValueInfoProto): void {
  const { type } = info;
  if (info.name !== undefined) w.string(1, info.name);
  if (type !== undefined) w.message(2, (m) => writeType(m, type));
  if (info.docString !== undefined) w.string(3, info.docString);
  for (const entry of info.metadataProps) w.message(4, (m) => writeEntry(m, entry));
}

function writeType(w: ProtobufWriter, type: TypeProto): void {
  const { tensorType, sequenceType, mapType, opaqueType, sparseTensorType, optionalType } = type;
  if (tensorType !== undefined) w.message(1, (m) => writeTensorType(m, tensorType));
  if (sequenceType !== undefined) w.message(4, (m) => writeElemType(m, sequenceType.elemType));
  if (mapType !== undefined) {
    w.message(5, (m) => {
      if (mapType.keyType !== undefined) m.int32(1, mapType.keyType);
      const { valueType } = mapType;
      if (valueType !== undefined) m.message(2, (v) => writeType(v, valueType));
    });
  }
  if (type.denotation !== undefined) w.string(6, type.denotation);
  if (opaqueType !== undefined) {
    w.message(7, (m) => {
      if (opaqueType.domain !== undefined) m.string(1, opaqueType.domain);
      if (opaqueType.name !== undefined) m.string(2, opaqueType.name);
    });
  }
  if (sparseTensorType !== undefined) w.message(8, (m) => writeTensorType(m, sparseTensorType));
  if (optionalType !== undefined) w.message(9, (m) => writeElemType(m, optionalType.elemType));
}

function writeElemType(w: ProtobufWriter, elemType: TypeProto | undefined): void {
  if (elemType !== undefined) w.message(1, (m) => writeType(m, elemType));
}

function writeTensorType(w: ProtobufWriter, tensorType: TypeProtoTensor): void {
  const { shape } = tensorType;
  if (tensorType.elemType !== undefined) w.int32(1, tensorType.elemType);
  if (shape !== undefined) w.message(2, (m) => writeShape(m, shape));
}

function writeShape(w: ProtobufWriter, shape: TensorShapeProto): void {
  for (const dim of shape.dim) {
    w.message(1, (m) => {
      if (dim.dimValue !== undefined) m.varintField(1, dim.dimValue);
      if (dim.dimParam !== undefined) m.string(2, dim.dimParam);
      if (dim.denotation !== undefined) m.string(3, dim.denotation);
    });
  }
}
