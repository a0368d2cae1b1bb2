import { ServingError, isServingError } from '../../core/index.js';
import type {
  AttributeProto, FunctionProto, GraphProto, ModelProto, NodeProto, OperatorSetIdProto, TensorAnnotation,
  TrainingInfoProto,
} from './onnx-types.js';
import { decodeEntry, decodeSparseTensor, decodeTensor } from './decode-tensor.js';
import { decodeValueInfo } from './decode-value-info.js';
import { ProtobufReader, WireType } from './protobuf-reader.js';

const { VARINT, LENGTH_DELIMITED: LEN, FIXED32 } = WireType;

/** How many graph levels (main graph, then If/Loop/Scan bodies inside it, …) a model may nest. */
export const MAX_GRAPH_DEPTH = 32;

const readFloat = (r: ProtobufReader) => r.float();
const readInt64 = (r: ProtobufReader) => r.int64();

/**
 * Decodes the bytes of an `.onnx` file into a `ModelProto` object.
 *
 * - `raw_data` and other bytes fields are plain `Uint8Array` views into `bytes` (no copy, even when `bytes` is a
 *   Buffer): keep `bytes` alive and unmodified.
 * - Unknown fields are skipped; packed and unpacked repeated scalars are both accepted.
 * - Every length is checked against the input and graphs may nest at most `MAX_GRAPH_DEPTH` levels, so truncated
 *   or hostile input throws instead of looping or over-allocating.
 *
 * It checks the wire format only, not ONNX semantics (see `inspectOnnx` for that).
 *
 * @throws ServingError `INVALID_ONNX` ("not an ONNX model: malformed protobuf at byte N: …").
 * @example
 * const model = decodeModel(await readFile('model.onnx'));
 * console.log(model.graph?.node.length);
 */
export function decodeModel(bytes: Uint8Array): ModelProto {
  try {
    // A Buffer's subarrays are Buffers; decode over a plain Uint8Array so every bytes field has one type.
    const plain = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    return decodeModelMessage(new ProtobufReader(plain));
  } catch (error) {
    if (isServingError(error) && error.code === 'INVALID_ONNX') {
      throw new ServingError('INVALID_ONNX', `not an ONNX model: ${error.message}`);
    }
    if (error instanceof RangeError) {
      throw new ServingError('INVALID_ONNX', `not an ONNX model: ${error.message}`);
    }
    throw error;
  }
}

function decodeModelMessage(reader: ProtobufReader): ModelProto {
  const model: ModelProto = { opsetImport: [], metadataProps: [], trainingInfo: [], functions: [] };
  while (!reader.done()) {
    const { field, wireType } = reader.tag();
    switch (field) {
      case 1: reader.expectWireType(wireType, VARINT, 'ir_version'); model.irVersion = reader.safeInt64('ir_version'); break;
      case 2: reader.expectWireType(wireType, LEN, 'producer_name'); model.producerName = reader.string(); break;
      case 3: reader.expectWireType(wireType, LEN, 'producer_version'); model.producerVersion = reader.string(); break;
      case 4: reader.expectWireType(wireType, LEN, 'domain'); model.domain = reader.string(); break;
      case 5: reader.expectWireType(wireType, VARINT, 'model_version'); model.modelVersion = reader.safeInt64('model_version'); break;
      case 6: reader.expectWireType(wireType, LEN, 'doc_string'); model.docString = reader.string(); break;
      case 7: reader.expectWireType(wireType, LEN, 'graph'); model.graph = decodeGraph(reader.sub(), 1); break;
      case 8: reader.expectWireType(wireType, LEN, 'opset_import'); model.opsetImport.push(decodeOperatorSetId(reader.sub())); break;
      case 14: reader.expectWireType(wireType, LEN, 'metadata_props'); model.metadataProps.push(decodeEntry(reader.sub())); break;
      case 20: reader.expectWireType(wireType, LEN, 'training_info'); model.trainingInfo.push(decodeTrainingInfo(reader.sub())); break;
      case 25: reader.expectWireType(wireType, LEN, 'functions'); model.functions.push(decodeFunction(reader.sub())); break;
      default: reader.skip(wireType);
    }
  }
  return model;
}

/** Decodes a `GraphProto`; `depth` is 1 for a top-level graph and grows by one per subgraph attribute. */
function decodeGraph(reader: ProtobufReader, depth: number): GraphProto {
  if (depth > MAX_GRAPH_DEPTH) reader.error(`graphs nested deeper than ${MAX_GRAPH_DEPTH} levels`);
  const graph: GraphProto = {
    node: [], initializer: [], sparseInitializer: [], input: [], output: [], valueInfo: [], quantizationAnnotation: [],
    metadataProps: [],
  };
  while (!reader.done()) {
    const { field, wireType } = reader.tag();
    switch (field) {
      case 1: reader.expectWireType(wireType, LEN, 'node'); graph.node.push(decodeNode(reader.sub(), depth)); break;
      case 2: reader.expectWireType(wireType, LEN, 'name'); graph.name = reader.string(); break;
      case 5: reader.expectWireType(wireType, LEN, 'initializer'); graph.initializer.push(decodeTensor(reader.sub())); break;
      case 10: reader.expectWireType(wireType, LEN, 'doc_string'); graph.docString = reader.string(); break;
      case 11: reader.expectWireType(wireType, LEN, 'input'); graph.input.push(decodeValueInfo(reader.sub())); break;
      case 12: reader.expectWireType(wireType, LEN, 'output'); graph.output.push(decodeValueInfo(reader.sub())); break;
      case 13: reader.expectWireType(wireType, LEN, 'value_info'); graph.valueInfo.push(decodeValueInfo(reader.sub())); break;
      case 14: reader.expectWireType(wireType, LEN, 'quantization_annotation'); graph.quantizationAnnotation.push(decodeTensorAnnotation(reader.sub())); break;
      case 15: reader.expectWireType(wireType, LEN, 'sparse_initializer'); graph.sparseInitializer.push(decodeSparseTensor(reader.sub())); break;
      case 16: reader.expectWireType(wireType, LEN, 'metadata_props'); graph.metadataProps.push(decodeEntry(reader.sub())); break;
      default: reader.skip(wireType);
    }
  }
  return graph;
}

function decodeNode(reader: ProtobufReader, depth: number): NodeProto {
  const node: NodeProto = { input: [], output: [], attribute: [], metadataProps: [] };
  while (!reader.done()) {
    const { field, wireType } = reader.tag();
    switch (field) {
      case 1: reader.expectWireType(wireType, LEN, 'input'); node.input.push(reader.string()); break;
      case 2: reader.expectWireType(wireType, LEN, 'output'); node.output.push(reader.string()); break;
      case 3: reader.expectWireType(wireType, LEN, 'name'); node.name = reader.string(); break;
      case 4: reader.expectWireType(wireType, LEN, 'op_type'); node.opType = reader.string(); break;
      case 5: reader.expectWireType(wireType, LEN, 'attribute'); node.attribute.push(decodeAttribute(reader.sub(), depth)); break;
      case 6: reader.expectWireType(wireType, LEN, 'doc_string'); node.docString = reader.string(); break;
      case 7: reader.expectWireType(wireType, LEN, 'domain'); node.domain = reader.string(); break;
      case 8: reader.expectWireType(wireType, LEN, 'overload'); node.overload = reader.string(); break;
      case 9: reader.expectWireType(wireType, LEN, 'metadata_props'); node.metadataProps.push(decodeEntry(reader.sub())); break;
      default: reader.skip(wireType);
    }
  }
  return node;
}

/** Decodes an `AttributeProto`; its `g`/`graphs` are one level deeper than `depth`. */
function decodeAttribute(reader: ProtobufReader, depth: number): AttributeProto {
  const attribute: AttributeProto = { floats: [], ints: [], strings: [], tensors: [], graphs: [], sparseTensors: [] };
  while (!reader.done()) {
    const { field, wireType } = reader.tag();
    switch (field) {
      case 1: reader.expectWireType(wireType, LEN, 'name'); attribute.name = reader.string(); break;
      case 2: reader.expectWireType(wireType, FIXED32, 'f'); attribute.f = reader.float(); break;
      case 3: reader.expectWireType(wireType, VARINT, 'i'); attribute.i = reader.int64(); break;
      case 4: reader.expectWireType(wireType, LEN, 's'); attribute.s = reader.bytesView(); break;
      case 5: reader.expectWireType(wireType, LEN, 't'); attribute.t = decodeTensor(reader.sub()); break;
      case 6: reader.expectWireType(wireType, LEN, 'g'); attribute.g = decodeGraph(reader.sub(), depth + 1); break;
      case 7: reader.repeated(wireType, FIXED32, readFloat, attribute.floats); break;
      case 8: reader.repeated(wireType, VARINT, readInt64, attribute.ints); break;
      case 9: reader.expectWireType(wireType, LEN, 'strings'); attribute.strings.push(reader.bytesView()); break;
      case 10: reader.expectWireType(wireType, LEN, 'tensors'); attribute.tensors.push(decodeTensor(reader.sub())); break;
      case 11: reader.expectWireType(wireType, LEN, 'graphs'); attribute.graphs.push(decodeGraph(reader.sub(), depth + 1)); break;
      case 13: reader.expectWireType(wireType, LEN, 'doc_string'); attribute.docString = reader.string(); break;
      case 20: reader.expectWireType(wireType, VARINT, 'type'); attribute.type = reader.int32(); break;
      case 21: reader.expectWireType(wireType, LEN, 'ref_attr_name'); attribute.refAttrName = reader.string(); break;
      case 22: reader.expectWireType(wireType, LEN, 'sparse_tensor'); attribute.sparseTensor = decodeSparseTensor(reader.sub()); break;
      case 23: reader.expectWireType(wireType, LEN, 'sparse_tensors'); attribute.sparseTensors.push(decodeSparseTensor(reader.sub())); break;
      default: reader.skip(wireType);
    }
  }
  return attribute;
}

function decodeFunction(reader: ProtobufReader): FunctionProto {
  const fn: FunctionProto = {
    input: [], output: [], attribute: [], attributeProto: [], node: [], opsetImport: [], valueInfo: [], metadataProps: [],
  };
  while (!reader.done()) {
    const { field, wireType } = reader.tag();
    switch (field) {
      case 1: reader.expectWireType(wireType, LEN, 'name'); fn.name = reader.string(); break;
      case 4: reader.expectWireType(wireType, LEN, 'input'); fn.input.push(reader.string()); break;
      case 5: reader.expectWireType(wireType, LEN, 'output'); fn.output.push(reader.string()); break;
      case 6: reader.expectWireType(wireType, LEN, 'attribute'); fn.attribute.push(reader.string()); break;
      case 7: reader.expectWireType(wireType, LEN, 'node'); fn.node.push(decodeNode(reader.sub(), 1)); break;
      case 8: reader.expectWireType(wireType, LEN, 'doc_string'); fn.docString = reader.string(); break;
      case 9: reader.expectWireType(wireType, LEN, 'opset_import'); fn.opsetImport.push(decodeOperatorSetId(reader.sub())); break;
      case 10: reader.expectWireType(wireType, LEN, 'domain'); fn.domain = reader.string(); break;
      case 11: reader.expectWireType(wireType, LEN, 'attribute_proto'); fn.attributeProto.push(decodeAttribute(reader.sub(), 1)); break;
      case 12: reader.expectWireType(wireType, LEN, 'value_info'); fn.valueInfo.push(decodeValueInfo(reader.sub())); break;
      case 13: reader.expectWireType(wireType, LEN, 'overload'); fn.overload = reader.string(); break;
      case 14: reader.expectWireType(wireType, LEN, 'metadata_props'); fn.metadataProps.push(decodeEntry(reader.sub())); break;
      default: reader.skip(wireType);
    }
  }
  return fn;
}

function decodeTrainingInfo(reader: ProtobufReader): TrainingInfoProto {
  const info: TrainingInfoProto = { initializationBinding: [], updateBinding: [] };
  while (!reader.done()) {
    const { field, wireType } = reader.tag();
    switch (field) {
      case 1: reader.expectWireType(wireType, LEN, 'initialization'); info.initialization = decodeGraph(reader.sub(), 1); break;
      case 2: reader.expectWireType(wireType, LEN, 'algorithm'); info.algorithm = decodeGraph(reader.sub(), 1); break;
      case 3: reader.expectWireType(wireType, LEN, 'initialization_binding'); info.initializationBinding.push(decodeEntry(reader.sub())); break;
      case 4: reader.expectWireType(wireType, LEN, 'update_binding'); info.updateBinding.push(decodeEntry(reader.sub())); break;
      default: reader.skip(wireType);
    }
  }
  return info;
}

function decodeTensorAnnotation(reader: ProtobufReader): TensorAnnotation {
  const annotation: TensorAnnotation = { quantParameterTensorNames: [] };
  while (!reader.done()) {
    const { field, wireType } = reader.tag();
    if (field === 1) { reader.expectWireType(wireType, LEN, 'tensor_name'); annotation.tensorName = reader.string(); }
    else if (field === 2) { reader.expectWireType(wireType, LEN, 'quant_parameter_tensor_names'); annotation.quantParameterTensorNames.push(decodeEntry(reader.sub())); }
    else reader.skip(wireType);
  }
  return annotation;
}

function decodeOperatorSetId(reader: ProtobufReader): OperatorSetIdProto {
  const opset: OperatorSetIdProto = {};
  while (!reader.done()) {
    const { field, wireType } = reader.tag();
    if (field === 1) { reader.expectWireType(wireType, LEN, 'domain'); opset.domain = reader.string(); }
    else if (field === 2) { reader.expectWireType(wireType, VARINT, 'version'); opset.version = reader.safeInt64('opset version'); }
    else reader.skip(wireType);
  }
  return opset;
}
