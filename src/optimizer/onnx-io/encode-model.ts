import type {
  AttributeProto, FunctionProto, GraphProto, ModelProto, NodeProto, OperatorSetIdProto, TrainingInfoProto,
} from './onnx-types.js';
import { writeEntry, writeSparseTensor, writeTensor, writeValueInfo } from './encode-tensor.js';
import { ProtobufWriter } from './protobuf-writer.js';

/**
 * Encodes a `ModelProto` object into `.onnx` bytes.
 *
 * Fields are written in field-number order, singular fields exactly when they are defined (an explicit `0` or `''`
 * is kept), repeated scalars packed only where onnx.proto says `[packed = true]` — the layout the reference onnx
 * library writes, so a model it saved usually re-encodes to identical bytes. Tensor `raw_data` is referenced while encoding and copied once into the result.
 * `decodeModel(encodeModel(model))` deep-equals `model` for any `model` that `decodeModel` produced.
 *
 * @throws RangeError when an integer field holds a non-integer or a value outside 64 bits.
 * @example
 * const bytes = encodeModel({ ...model, producerName: 'tessera' });
 */
export function encodeModel(model: ModelProto): Uint8Array {
  const w = new ProtobufWriter();
  const { graph } = model;
  if (model.irVersion !== undefined) w.varintField(1, model.irVersion);
  if (model.producerName !== undefined) w.string(2, model.producerName);
  if (model.producerVersion !== undefined) w.string(3, model.producerVersion);
  if (model.domain !== undefined) w.string(4, model.domain);
  if (model.modelVersion !== undefined) w.varintField(5, model.modelVersion);
  if (model.docString !== undefined) w.string(6, model.docString);
  if (graph !== undefined) w.message(7, (m) => writeGraph(m, graph));
  for (const opset of model.opsetImport) w.message(8, (m) => writeOperatorSetId(m, opset));
  for (const entry of model.metadataProps) w.message(14, (m) => writeEntry(m, entry));
  for (const info of model.trainingInfo) w.message(20, (m) => writeTrainingInfo(m, info));
  for (const fn of model.functions) w.message(25, (m) => writeFunction(m, fn));
  return w.finish();
}

function writeGraph(w: ProtobufWriter, graph: GraphProto): void {
  for (const node of graph.node) w.message(1, (m) => writeNode(m, node));
  if (graph.name !== undefined) w.string(2, graph.name);
  for (const tensor of graph.initializer) w.message(5, (m) => writeTensor(m, tensor));
  if (graph.docString !== undefined) w.string(10, graph.docString);
  for (const info of graph.input) w.message(11, (m) => writeValueInfo(m, info));
  for (const info of graph.output) w.message(12, (m) => writeValueInfo(m, info));
  for (const info of graph.valueInfo) w.message(13, (m) => writeValueInfo(m, info));
  for (const annotation of graph.quantizationAnnotation) {
    w.message(14, (m) => {
      if (annotation.tensorName !== undefined) m.string(1, annotation.tensorName);
      for (const entry of annotation.quantParameterTensorNames) m.message(2, (e) => writeEntry(e, entry));
    });
  }
  for (const sparse of graph.sparseInitializer) w.message(15, (m) => writeSparseTensor(m, sparse));
  for (const entry of graph.metadataProps) w.message(16, (m) => writeEntry(m, entry));
}

function writeNode(w: ProtobufWriter, node: NodeProto): void {
  for (const name of node.input) w.string(1, name);
  for (const name of node.output) w.string(2, name);
  if (node.name !== undefined) w.string(3, node.name);
  if (node.opType !== undefined) w.string(4, node.opType);
  for (const attribute of node.attribute) w.message(5, (m) => writeAttribute(m, attribute));
  if (node.docString !== undefined) w.string(6, node.docString);
  if (node.domain !== undefined) w.string(7, node.domain);
  if (node.overload !== undefined) w.string(8, node.overload);
  for (const entry of node.metadataProps) w.message(9, (m) => writeEntry(m, entry));
}

function writeAttribute(w: ProtobufWriter, attribute: AttributeProto): void {
  const { t, g, sparseTensor } = attribute;
  if (attribute.name !== undefined) w.string(1, attribute.name);
  if (attribute.f !== undefined) w.float(2, attribute.f);
  if (attribute.i !== undefined) w.varintField(3, attribute.i);
  if (attribute.s !== undefined) w.bytes(4, attribute.s);
  if (t !== undefined) w.message(5, (m) => writeTensor(m, t));
  if (g !== undefined) w.message(6, (m) => writeGraph(m, g));
  w.repeatedFloats(7, attribute.floats);
  w.repeatedVarints(8, attribute.ints);
  for (const value of attribute.strings) w.bytes(9, value);
  for (const tensor of attribute.tensors) w.message(10, (m) => writeTensor(m, tensor));
  for (const graph of attribute.graphs) w.message(11, (m) => writeGraph(m, graph));
  if (attribute.docString !== undefined) w.string(13, attribute.docString);
  if (attribute.type !== undefined) w.int32(20, attribute.type);
  if (attribute.refAttrName !== undefined) w.string(21, attribute.refAttrName);
  if (sparseTensor !== undefined) w.message(22, (m) => writeSparseTensor(m, sparseTensor));
  for (const sparse of attribute.sparseTensors) w.message(23, (m) => writeSparseTensor(m, sparse));
}

function writeFunction(w: ProtobufWriter, fn: FunctionProto): void {
  if (fn.name !== undefined) w.string(1, fn.name);
  for (const name of fn.input) w.string(4, name);
  for (const name of fn.output) w.string(5, name);
  for (const name of fn.attribute) w.string(6, name);
  for (const node of fn.node) w.message(7, (m) => writeNode(m, node));
  if (fn.docString !== undefined) w.string(8, fn.docString);
  for (const opset of fn.opsetImport) w.message(9, (m) => writeOperatorSetId(m, opset));
  if (fn.domain !== undefined) w.string(10, fn.domain);
  for (const attribute of fn.attributeProto) w.message(11, (m) => writeAttribute(m, attribute));
  for (const info of fn.valueInfo) w.message(12, (m) => writeValueInfo(m, info));
  if (fn.overload !== undefined) w.string(13, fn.overload);
  for (const entry of fn.metadataProps) w.message(14, (m) => writeEntry(m, entry));
}

function writeTrainingInfo(w: ProtobufWriter, info: TrainingInfoProto): void {
  const { initialization, algorithm } = info;
  if (initialization !== undefined) w.message(1, (m) => writeGraph(m, initialization));
  if (algorithm !== undefined) w.message(2, (m) => writeGraph(m, algorithm));
  for (const entry of info.initializationBinding) w.message(3, (m) => writeEntry(m, entry));
  for (const entry of info.updateBinding) w.message(4, (m) => writeEntry(m, entry));
}

function writeOperatorSetId(w: ProtobufWriter, opset: OperatorSetIdProto): void {
  if (opset.domain !== undefined) w.string(1, opset.domain);
  if (opset.version !== undefined) w.varintField(2, opset.version);
}
