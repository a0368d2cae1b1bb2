import { BINARY_ONLY_DATATYPES, type Datatype } from './datatypes.js';
import { allocateNumeric, type TensorData } from './tensor.js';
import type { JsonTensorData } from './v2.js';
import { wireError } from './wire-error.js';

/**
 * JSON tensor data (OIP v2 §1.7). Nested or flat arrays are accepted; elements are checked strictly like Triton:
 * integers for INT and UINT types, booleans for BOOL, strings for BYTES. INT64/UINT64 must be exact JavaScript
 * integers (|x| ≤ 2^53 − 1); larger values need the binary extension. FP16/BF16 have no JSON form.
 */
export function jsonToTensorData(datatype: Datatype, data: unknown, count: number, name = 'tensor'): TensorData {
  if (BINARY_ONLY_DATATYPES.has(datatype)) {
    throw wireError('DATATYPE_NOT_JSON', `Input "${name}" is ${datatype}, which has no JSON form: send it with the binary tensor extension.`);
  }
  if (!Array.isArray(data)) throw wireError('DATA_MISMATCH', `Input "${name}": "data" must be an array.`);
  const flat = flatten(data, count, name);
  if (flat.length !== count) {
    throw wireError('DATA_MISMATCH', `Input "${name}": ${flat.length} elements in "data", but its shape holds ${count}.`);
  }
  if (datatype === 'BYTES') return flat.map((value, i) => toByteString(value, name, i));
  if (datatype === 'BOOL') return Uint8Array.from(flat, (value, i) => toBool(value, name, i));
  const out = allocateNumeric(datatype as Exclude<Datatype, 'BYTES'>, count);
  const check = elementCheck(datatype);
  for (let i = 0; i < count; i++) {
    const value = flat[i];
    if (!check(value)) throw wireError('DATA_MISMATCH', `Input "${name}": element ${i} (${JSON.stringify(value)}) is not a valid ${datatype} value.`);
    if (out instanceof BigInt64Array || out instanceof BigUint64Array) out[i] = BigInt(value as number);
    else (out as Float32Array)[i] = value as number;
  }
  return out;
}

/** Tensor data as JSON elements (flat). NaN and ±Infinity become null; 64-bit integers beyond 2^53 lose precision. */
export function tensorDataToJson(datatype: Datatype, data: TensorData, name = 'tensor'): JsonTensorData {
  if (BINARY_ONLY_DATATYPES.has(datatype)) {
    throw wireError('DATATYPE_NOT_JSON', `Output "${name}" is ${datatype}, which has no JSON form: ask for it with "binary_data": true.`);
  }
  if (datatype === 'BYTES') return (data as Uint8Array[]).map((bytes) => new TextDecoder().decode(bytes));
  if (datatype === 'BOOL') return Array.from(data as Uint8Array, (value) => value !== 0);
  if (data instanceof BigInt64Array || data instanceof BigUint64Array) return Array.from(data, (value) => Number(value));
  return Array.from(data as Float32Array, (value) => (Number.isFinite(value) ? value : (null as unknown as number)));
}

function flatten(data: unknown[], limit: number, name: string): unknown[] {
  const out: unknown[] = [];
  const stack: Array<{ items: unknown[]; index: number }> = [{ items: data, index: 0 }];
  while (stack.length > 0) {
    const top = stack[stack.length - 1];
    if (top.index >= top.items.length) { stack.pop(); continue; }
    const item = top.items[top.index++];
    if (Array.isArray(item)) {
      if (stack.length >= 64) throw wireError('DATA_MISMATCH', `Input "${name}": "data" is nested deeper than 64 levels.`);
      stack.push({ items: item, index: 0 });
    } else {
      out.push(item);
      if (out.length > limit) return out;
    }
  }
  return out;
}

function elementCheck(datatype: Datatype): (value: unknown) => boolean {
  switch (datatype) {
    case 'FP32': case 'FP64': return (v) => typeof v === 'number';
    case 'INT8': return integerIn(-128, 127);
    case 'INT16': return integerIn(-32768, 32767);
    case 'INT32': return integerIn(-2147483648, 2147483647);
    case 'INT64': return integerIn(Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
    case 'UINT8': return integerIn(0, 255);
    case 'UINT16': return integerIn(0, 65535);
    case 'UINT32': return integerIn(0, 4294967295);
    case 'UINT64': return integerIn(0, Number.MAX_SAFE_INTEGER);
    default: return () => false;
  }
}

function integerIn(min: number, max: number): (value: unknown) => boolean {
  return (v) => typeof v === 'number' && Number.isSafeInteger(v) && v >= min && v <= max;
}

function toBool(value: unknown, name: string, index: number): number {
  if (typeof value !== 'boolean') throw wireError('DATA_MISMATCH', `Input "${name}": element ${index} must be true or false for BOOL.`);
  return value ? 1 : 0;
}

function toByteString(value: unknown, name: string, index: number): Uint8Array {
  if (typeof value !== 'string') throw wireError('DATA_MISMATCH', `Input "${name}": element ${index} must be a string for BYTES.`);
  return new TextEncoder().encode(value);
}
