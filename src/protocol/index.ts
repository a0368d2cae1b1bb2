export * from './datatypes.js';
export * from './errors.js';
export * from './v2.js';
export * from './management.js';
export * from './tensor.js';
