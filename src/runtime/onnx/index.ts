export { OnnxBackend } from './onnx-backend.js';
