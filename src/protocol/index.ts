export * from './datatypes.js';
export * from './errors.js';
export * from './v2.js';
export * from './management.js';
export * from './tensor.js';
export * from './wire-error.js';
export * from './binary-tensors.js';
export * from './json-tensors.js';
