export * from './serving-error.js';
export * from './logger.js';
export * from './names.js';
export * from '../protocol/tensor.js';
