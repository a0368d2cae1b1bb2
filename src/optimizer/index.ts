/** The optimizer: ONNX read/write (onnx-io) and, later, graph passes and the validation gate. */
export * from './onnx-io/index.js';
