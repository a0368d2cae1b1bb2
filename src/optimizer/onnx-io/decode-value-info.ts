import type {
  TensorShapeDimension, TensorShapeProto, TypeProto, TypeProtoTensor, ValueInfoProto,
} from './onnx-types.js';
import { decodeEntry } from './decode-tensor.js';
import { type ProtobufReader, WireType } from './protobuf-reader.js';

const { VARINT, LENGTH_DELIMITED: LEN } = WireType;

/** How deeply `TypeProto`s may nest (sequence of map of optional of …) before the input is refused. */
export const MAX_TYPE_DEPTH = 32;

/** Decodes a `ValueInfoProto` (a graph input, output or value_info entry). */
export function decodeValueInfo(reader: ProtobufReader): ValueInfoProto {
  const info: ValueInfoProto = { metadataProps: [] };
  while (!reader.done()) {
    const { field, wireType } = reader.tag();
    switch (field) {
      case 1: reader.expectWireType(wireType, LEN, 'name'); info.name = reader.string(); break;
      case 2: reader.expectWireType(wireType, LEN, 'type'); info.type = decodeType(reader.sub(), 1); break;
      case 3: reader.expectWireType(wireType, LEN, 'doc_string'); info.docString = reader.string(); break;
      case 4: reader.expectWireType(wireType, LEN, 'metadata_props'); info.metadataProps.push(decodeEntry(reader.sub())); break;
      default: reader.skip(wireType);
    }
  }
  return info;
}

/** Decodes a `TypeProto`; `depth` counts enclosing TypeProtos and is capped at `MAX_TYPE_DEPTH`. */
export function decodeType(reader: ProtobufReader, depth: number): TypeProto {
  if (depth > MAX_TYPE_DEPTH) reader.error(`types nested deeper than ${MAX_TYPE_DEPTH} levels`);
  const type: TypeProto = {};
  const nested = (r: ProtobufReader): { elemType?: TypeProto } => {
    const out: { elemType?: TypeProto } = {};
    while (!r.done()) {
      const { field, wireType } = r.tag();
      if (field === 1) { r.expectWireType(wireType, LEN, 'elem_type'); out.elemType = decodeType(r.sub(), depth + 1); }
      else r.skip(wireType);
    }
    return out;
  };
  while (!reader.done()) {
    const { field, wireType } = reader.tag();
    if (field === 6) { reader.expectWireType(wireType, LEN, 'denotation'); type.denotation = reader.string(); continue; }
    if (field !== 1 && field !== 4 && field !== 5 && field !== 7 && field !== 8 && field !== 9) { reader.skip(wireType); continue; }
    reader.expectWireType(wireType, LEN, 'TypeProto value');
    const sub = reader.sub();
    if (field === 1) type.tensorType = decodeTensorType(sub);
    else if (field === 4) type.sequenceType = nested(sub);
    else if (field === 5) type.mapType = decodeMapType(sub, depth);
    else if (field === 7) type.opaqueType = decodeOpaqueType(sub);
    else if (field === 8) type.sparseTensorType = decodeTensorType(sub);
    else type.optionalType = nested(sub);
  }
  return type;
}

function decodeTensorType(reader: ProtobufReader): TypeProtoTensor {
  const tensorType: TypeProtoTensor = {};
  while (!reader.done()) {
    const { field, wireType } = reader.tag();
    if (field === 1) { reader.expectWireType(wireType, VARINT, 'elem_type'); tensorType.elemType = reader.int32(); }
    else if (field === 2) { reader.expectWireType(wireType, LEN, 'shape'); tensorType.shape = decodeShape(reader.sub()); }
    else reader.skip(wireType);
  }
  return tensorType;
}

function decodeMapType(reader: ProtobufReader, depth: number): { keyType?: number; valueType?: TypeProto } {
  const mapType: { keyType?: number; valueType?: TypeProto } = {};
  while (!reader.done()) {
    const { field, wireType } = reader.tag();
    if (field === 1) { reader.expectWireType(wireType, VARINT, 'key_type'); mapType.keyType = reader.int32(); }
    else if (field === 2) { reader.expectWireType(wireType, LEN, 'value_type'); mapType.valueType = decodeType(reader.sub(), depth + 1); }
    else reader.skip(wireType);
  }
  return mapType;
}

function decodeOpaqueType(reader: ProtobufReader): { domain?: string; name?: string } {
  const opaque: { domain?: string; name?: string } = {};
  while (!reader.done()) {
    const { field, wireType } = reader.tag();
    if (field === 1) { reader.expectWireType(wireType, LEN, 'domain'); opaque.domain = reader.string(); }
    else if (field === 2) { reader.expectWireType(wireType, LEN, 'name'); opaque.name = reader.string(); }
    else reader.skip(wireType);
  }
  return opaque;
}

function decodeShape(reader: ProtobufReader): TensorShapeProto {
  const shape: TensorShapeProto = { dim: [] };
  while (!reader.done()) {
    const { field, wireType } = reader.tag();
    if (field === 1) { reader.expectWireType(wireType, LEN, 'dim'); shape.dim.push(decodeDimension(reader.sub())); }
    else reader.skip(wireType);
  }
  return shape;
}

function decodeDimension(reader: ProtobufReader): TensorShapeDimension {
  const dim: TensorShapeDimension = {};
  while (!reader.done()) {
    const { field, wireType } = reader.tag();
    if (field === 1) { reader.expectWireType(wireType, VARINT, 'dim_value'); dim.dimValue = reader.safeInt64('dim_value'); }
    else if (field === 2) { reader.expectWireType(wireType, LEN, 'dim_param'); dim.dimParam = reader.string(); }
    else if (field === 3) { reader.expectWireType(wireType, LEN, 'denotation'); dim.denotation = reader.string(); }
    else reader.skip(wireType);
  }
  return dim;
}
