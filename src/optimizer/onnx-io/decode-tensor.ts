import type { SparseTensorProto, StringStringEntryProto, TensorProto } from './onnx-types.js';
import { type ProtobufReader, WireType } from './protobuf-reader.js';

const { VARINT, FIXED64, LENGTH_DELIMITED: LEN, FIXED32 } = WireType;

const readInt32 = (r: ProtobufReader) => r.int32();
const readInt64 = (r: ProtobufReader) => r.int64();
const readUint64 = (r: ProtobufReader) => r.uint64();
const readFloat = (r: ProtobufReader) => r.float();
const readDouble = (r: ProtobufReader) => r.double();
const readDim = (r: ProtobufReader) => r.safeInt64('dimension');

/** Reads a repeated `int64 dims` field (packed or not) into `out`. */
export function readDims(reader: ProtobufReader, wireType: number, out: number[]): void {
  reader.repeated(wireType, VARINT, readDim, out);
}

/** Decodes a `TensorProto` from a reader positioned on its contents. */
export function decodeTensor(reader: ProtobufReader): TensorProto {
  const tensor: TensorProto = {
    dims: [], floatData: [], int32Data: [], stringData: [], int64Data: [], doubleData: [], uint64Data: [],
    externalData: [], metadataProps: [],
  };
  while (!reader.done()) {
    const { field, wireType } = reader.tag();
    switch (field) {
      case 1: readDims(reader, wireType, tensor.dims); break;
      case 2: reader.expectWireType(wireType, VARINT, 'data_type'); tensor.dataType = reader.int32(); break;
      case 4: reader.repeated(wireType, FIXED32, readFloat, tensor.floatData); break;
      case 5: reader.repeated(wireType, VARINT, readInt32, tensor.int32Data); break;
      case 6: reader.expectWireType(wireType, LEN, 'string_data'); tensor.stringData.push(reader.bytesView()); break;
      case 7: reader.repeated(wireType, VARINT, readInt64, tensor.int64Data); break;
      case 8: reader.expectWireType(wireType, LEN, 'name'); tensor.name = reader.string(); break;
      case 9: reader.expectWireType(wireType, LEN, 'raw_data'); tensor.rawData = reader.bytesView(); break;
      case 10: reader.repeated(wireType, FIXED64, readDouble, tensor.doubleData); break;
      case 11: reader.repeated(wireType, VARINT, readUint64, tensor.uint64Data); break;
      case 12: reader.expectWireType(wireType, LEN, 'doc_string'); tensor.docString = reader.string(); break;
      case 13: reader.expectWireType(wireType, LEN, 'external_data'); tensor.externalData.push(decodeEntry(reader.sub())); break;
      case 14: reader.expectWireType(wireType, VARINT, 'data_location'); tensor.dataLocation = reader.int32(); break;
      case 16: reader.expectWireType(wireType, LEN, 'metadata_props'); tensor.metadataProps.push(decodeEntry(reader.sub())); break;
      default: reader.skip(wireType);
    }
  }
  return tensor;
}

export function decodeSparseTensor(reader: ProtobufReader): SparseTensorProto {
  const sparse: SparseTensorProto = { dims: [] };
  while (!reader.done()) {
    const { field, wireType } = reader.tag();
    switch (field) {
      case 1: reader.expectWireType(wireType, LEN, 'values'); sparse.values = decodeTensor(reader.sub()); break;
      case 2: reader.expectWireType(wireType, LEN, 'indices'); sparse.indices = decodeTensor(reader.sub()); break;
      case 3: readDims(reader, wireType, sparse.dims); break;
      default: reader.skip(wireType);
    }
  }
  return sparse;
}

export function decodeEntry(reader: ProtobufReader): StringStringEntryProto {
  const entry: StringStringEntryProto = {};
  while (!reader.done()) {
    const { field, wireType } = reader.tag();
    if (field === 1) { reader.expectWireType(wireType, LEN, 'key'); entry.key = reader.string(); }
    else if (field === 2) { reader.expectWireType(wireType, LEN, 'value'); entry.value = reader.string(); }
    else reader.skip(wireType);
  }
  return entry;
}
