import type { InferTensor, TensorMetadata } from '../../client/index.js';
import { elementCount, type Datatype, type TensorData } from '../../protocol/index.js';
import { UsageError } from '../parse-args.js';
import { seededRandom } from '../../core/index.js';

/** How input data is filled: seeded random values, or zeros. */
export type DataKind = 'random' | 'zeros';

/**
 * Parses `--shape`: `name=d1,d2,…` entries separated by spaces or `;` (the flag keeps its last value when repeated,
 * so several inputs go into one), or bare `d1,d2,…` for a model with one input.
 *
 * @example
 * parseShapeFlag('input=1,3,224,224;mask=1,128'); // Map { 'input' → [1, 3, 224, 224], 'mask' → [1, 128] }
 * parseShapeFlag('8,4');                           // Map { '' → [8, 4] }
 */
export function parseShapeFlag(text: string | undefined): Map<string, number[]> {
  const shapes = new Map<string, number[]>();
  if (text === undefined) return shapes;
  for (const entry of text.split(/[;\s]+/).filter((part) => part.length > 0)) {
    const equals = entry.lastIndexOf('=');
    const name = equals === -1 ? '' : entry.slice(0, equals);
    const dims = entry.slice(equals + 1);
    if (!/^\d+(,\d+)*$/.test(dims)) throw new UsageError(`--shape ${JSON.stringify(entry)}: expected name=d1,d2,… with non-negative integer dimensions`);
    if (shapes.has(name)) throw new UsageError(`--shape names ${name === '' ? 'a bare shape' : `input ${name}`} twice`);
    shapes.set(name, dims.split(',').map(Number));
  }
  return shapes;
}

/**
 * The concrete shape of each input: the declared shape with every -1 replaced by the `--shape` dimension, or 1.
 * A given shape must have the declared rank and agree with every fixed dimension.
 *
 * @example
 * resolveShapes([{ name: 'input', datatype: 'FP32', shape: [-1, 4] }], new Map()); // [[1, 4]]
 */
export function resolveShapes(inputs: readonly TensorMetadata[], given: ReadonlyMap<string, number[]>): number[][] {
  const names = inputs.map((input) => input.name);
  for (const name of given.keys()) {
    if (name === '' && inputs.length !== 1) throw new UsageError(`the model has inputs ${names.join(', ')}: name them, e.g. --shape ${names[0] ?? 'input'}=1,…`);
    if (name !== '' && !names.includes(name)) throw new UsageError(`--shape: the model has no input ${JSON.stringify(name)}; its inputs: ${names.join(', ')}`);
  }
  return inputs.map((input) => {
    const shape = given.get(input.name) ?? (inputs.length === 1 ? given.get('') : undefined);
    if (shape === undefined) return input.shape.map((dim) => (dim < 0 ? 1 : dim));
    if (shape.length !== input.shape.length) {
      throw new UsageError(`--shape ${input.name}: the model declares ${input.shape.length} dimensions [${input.shape.join(',')}], got ${shape.length}`);
    }
    input.shape.forEach((dim, i) => {
      if (dim >= 0 && dim !== shape[i]) throw new UsageError(`--shape ${input.name}: dimension ${i} is fixed at ${dim} by the model, got ${shape[i]}`);
    });
    return shape;
  });
}

/**
 * Input tensors built once before a run: seeded random values (floats in [0, 1), integers in [0, 10), booleans,
 * 8-letter strings for BYTES) or zeros.
 *
 * @example
 * benchInputs([{ name: 'input', datatype: 'FP32', shape: [-1, 4] }], [[1, 4]], 'random', 1);
 */
export function benchInputs(inputs: readonly TensorMetadata[], shapes: readonly number[][], kind: DataKind, seed: number): InferTensor[] {
  const random = kind === 'random' ? seededRandom(seed) : () => 0;
  return inputs.map((input, i) => ({
    name: input.name, datatype: input.datatype, shape: shapes[i], data: fill(input.datatype, elementCount(shapes[i]), random, kind === 'zeros'),
  }));
}

function fill(datatype: Datatype, count: number, random: () => number, empty: boolean): TensorData {
  const integer = (): number => Math.floor(random() * 10);
  switch (datatype) {
    case 'FP32': return Float32Array.from({ length: count }, random);
    case 'FP64': return Float64Array.from({ length: count }, random);
    case 'FP16': return Uint16Array.from({ length: count }, () => float16Bits(random()));
    case 'BF16': return Uint16Array.from({ length: count }, () => bfloat16Bits(random()));
    case 'BOOL': return Uint8Array.from({ length: count }, () => (random() < 0.5 ? 0 : 1));
    case 'UINT8': return Uint8Array.from({ length: count }, integer);
    case 'UINT16': return Uint16Array.from({ length: count }, integer);
    case 'UINT32': return Uint32Array.from({ length: count }, integer);
    case 'UINT64': return BigUint64Array.from({ length: count }, () => BigInt(integer()));
    case 'INT8': return Int8Array.from({ length: count }, integer);
    case 'INT16': return Int16Array.from({ length: count }, integer);
    case 'INT32': return Int32Array.from({ length: count }, integer);
    case 'INT64': return BigInt64Array.from({ length: count }, () => BigInt(integer()));
    case 'BYTES': return Array.from({ length: count }, () => Uint8Array.from({ length: empty ? 0 : 8 }, () => 97 + Math.floor(random() * 26)));
  }
}

/** IEEE half-precision bits of a value in [0, 1) (round to nearest; subnormals flush to zero). */
function float16Bits(value: number): number {
  if (value === 0) return 0;
  const exponent = Math.floor(Math.log2(value));
  if (exponent < -14) return 0;
  const mantissa = Math.round((value / 2 ** exponent - 1) * 1024);
  return mantissa === 1024 ? ((exponent + 16) << 10) : ((exponent + 15) << 10) | mantissa;
}

/** bfloat16 bits: the upper half of the float32 bits (truncated). */
function bfloat16Bits(value: number): number {
  const view = new DataView(new ArrayBuffer(4));
  view.setFloat32(0, value, true);
  return view.getUint16(2, true);
}
