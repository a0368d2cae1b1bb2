/** The test kit: ONNX models built in code. Nothing in src/ imports it. */
export * from './onnx-builder.js';
export * from './hostile-onnx-models.js';
export * from './onnx-parts.js';
export * from './test-server.js';
export * from './image-models.js';
export * from './text-images.js';
export * from './image-fixtures.js';
export * from './raw-http.js';
