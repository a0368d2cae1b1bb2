export * from './serving-error.js';
export * from './logger.js';
export * from './names.js';
/** The tensor and datatype vocabulary lives in protocol/ (browser-safe); core re-exports it for the domain modules. */
export {
  DATATYPES, DATATYPE_SIZE, BINARY_ONLY_DATATYPES, isDatatype,
  elementCount, allocateNumeric, viewNumeric, numericBytes, isBytesData,
} from '../protocol/index.js';
export type { Datatype, TensorMetadata, Tensor, TensorData } from '../protocol/index.js';
export * from './trace.js';
export { seededRandom } from './seeded-random.js';
