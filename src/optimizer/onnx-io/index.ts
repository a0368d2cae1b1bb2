/**
 * ONNX bytes in and out: a dependency-free protobuf codec for the ONNX messages, and `inspectOnnx`, the upload gate.
 * This folder is the only place in tessera that knows the protobuf wire format.
 */
export * from './onnx-types.js';
export { decodeModel, MAX_GRAPH_DEPTH } from './decode-model.js';
export { MAX_TYPE_DEPTH } from './decode-value-info.js';
export { encodeModel } from './encode-model.js';
export { encodeTensor } from './encode-tensor.js';
export { datatypeToOnnxElemType, describeElemType, onnxElemTypeToDatatype } from './elem-types.js';
export { ALLOWED_OPERATOR_DOMAINS, inspectOnnx, type OnnxInspection } from './inspect-onnx.js';
export { visitModel, type ModelVisitor } from './visit-model.js';
