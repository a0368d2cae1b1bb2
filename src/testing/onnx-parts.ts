import { seededRandom } from '../core/index.js';
import {
  AttributeType, TensorDataType, encodeModel,
  type AttributeProto, type GraphProto, type Int64, type ModelProto, type NodeProto, type OperatorSetIdProto,
  type TensorProto, type ValueInfoProto,
} from '../optimizer/index.js';

/**
 * Small constructors for ONNX protos, after the onnx Python `helper` module (make_node, make_graph, …), used by the
 * test-kit model builders and by tests that need a hand-made variant of a model.
 */

/** The IR version of every model the test kit builds (onnxruntime 1.30 reads IR ≤ 11). */
export const TEST_IR_VERSION = 8;
/** The default ONNX opset of the test kit's models. */
export const TEST_OPSET = 13;

/**
 * A graph input/output of tensor type. A string in `shape` is a named symbolic dimension; -1 becomes one named
 * `<name>_d<index>` (distinct names, so no two unknown dimensions are claimed equal).
 */
export function makeTensorValueInfo(name: string, elemType: number, shape: ReadonlyArray<number | string>): ValueInfoProto {
  const dim = shape.map((size, index) => {
    if (typeof size === 'string') return { dimParam: size };
    return size < 0 ? { dimParam: `${name}_d${index}` } : { dimValue: size };
  });
  return { name, type: { tensorType: { elemType, shape: { dim } } }, metadataProps: [] };
}

/** An empty TensorProto to spread into hand-made tensors. */
export function makeEmptyTensor(name: string, elemType: number, dims: readonly number[]): TensorProto {
  return {
    name, dataType: elemType, dims: [...dims], floatData: [], int32Data: [], stringData: [], int64Data: [],
    doubleData: [], uint64Data: [], externalData: [], metadataProps: [],
  };
}

/** A FLOAT tensor stored as little-endian `raw_data`. */
export function makeFloatTensor(name: string, dims: readonly number[], values: ArrayLike<number>): TensorProto {
  const raw = new Uint8Array(values.length * 4);
  const view = new DataView(raw.buffer);
  for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i], true);
  return { ...makeEmptyTensor(name, TensorDataType.FLOAT, dims), rawData: raw };
}

/** An INT64 tensor stored in `int64_data`. */
export function makeInt64Tensor(name: string, dims: readonly number[], values: readonly Int64[]): TensorProto {
  return { ...makeEmptyTensor(name, TensorDataType.INT64, dims), int64Data: [...values] };
}

/** A node; `domain` defaults to the standard ONNX domain (field left unset). */
export function makeNode(
  opType: string, inputs: readonly string[], outputs: readonly string[],
  attributes: readonly AttributeProto[] = [], options: { name?: string; domain?: string } = {},
): NodeProto {
  const node: NodeProto = {
    input: [...inputs], output: [...outputs], opType, attribute: [...attributes], metadataProps: [],
    name: options.name ?? `${opType.toLowerCase()}_${outputs[0] ?? ''}`,
  };
  if (options.domain !== undefined) node.domain = options.domain;
  return node;
}

function makeAttribute(name: string, type: number): AttributeProto {
  return { name, type, floats: [], ints: [], strings: [], tensors: [], graphs: [], sparseTensors: [] };
}

export function intAttribute(name: string, value: Int64): AttributeProto {
  return { ...makeAttribute(name, AttributeType.INT), i: value };
}

export function floatAttribute(name: string, value: number): AttributeProto {
  return { ...makeAttribute(name, AttributeType.FLOAT), f: value };
}

export function intsAttribute(name: string, values: readonly Int64[]): AttributeProto {
  return { ...makeAttribute(name, AttributeType.INTS), ints: [...values] };
}

export function tensorAttribute(name: string, tensor: TensorProto): AttributeProto {
  return { ...makeAttribute(name, AttributeType.TENSOR), t: tensor };
}

export function graphAttribute(name: string, graph: GraphProto): AttributeProto {
  return { ...makeAttribute(name, AttributeType.GRAPH), g: graph };
}

/** A graph from its parts. */
export function makeGraph(parts: {
  name: string;
  nodes: readonly NodeProto[];
  inputs: readonly ValueInfoProto[];
  outputs: readonly ValueInfoProto[];
  initializers?: readonly TensorProto[];
}): GraphProto {
  return {
    name: parts.name, node: [...parts.nodes], input: [...parts.inputs], output: [...parts.outputs],
    initializer: [...(parts.initializers ?? [])], sparseInitializer: [], valueInfo: [], quantizationAnnotation: [],
    metadataProps: [],
  };
}

/** A ModelProto around `graph`, importing the default ONNX domain at `opset` plus any `extraOpsets`. */
export function makeModel(
  graph: GraphProto, options: { opset?: number; extraOpsets?: readonly OperatorSetIdProto[] } = {},
): ModelProto {
  return {
    irVersion: TEST_IR_VERSION, producerName: 'tessera-testing', producerVersion: '1',
    opsetImport: [{ domain: '', version: options.opset ?? TEST_OPSET }, ...(options.extraOpsets ?? [])],
    graph, metadataProps: [], trainingInfo: [], functions: [],
  };
}

/** Shorthand: `encodeModel(makeModel(makeGraph(parts)))`. */
export function encodeGraphModel(parts: Parameters<typeof makeGraph>[0], options?: Parameters<typeof makeModel>[1]): Uint8Array {
  return encodeModel(makeModel(makeGraph(parts), options));
}


/** `count` float32-representable values uniform in [-scale, scale) from `random`. */
export function randomWeights(random: () => number, count: number, scale = 1): Float32Array {
  const values = new Float32Array(count);
  for (let i = 0; i < count; i++) values[i] = (random() * 2 - 1) * scale;
  return values;
}

export { seededRandom };
