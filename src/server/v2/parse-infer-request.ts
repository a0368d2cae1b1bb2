import type { RequestedOutput } from '../../app/index.js';
import { fail, ServingError, type Tensor } from '../../core/index.js';
import {
  BinaryCursor, decodeTensorBytes, isDatatype, jsonNestingExceeds, jsonToTensorData, MAX_JSON_DEPTH, splitBinaryBody, type Parameters,
} from '../../protocol/index.js';

/** An inference request decoded from the wire, before it meets the model signature. */
export interface ParsedInferRequest {
  id?: string;
  inputs: Tensor[];
  outputs: RequestedOutput[];
  /** Per requested output: true = binary, false = JSON, absent = the request default. */
  binaryOutputs: Map<string, boolean>;
  binaryDefault: boolean;
  /** `parameters.priority`: 1 is the highest (used with batching priority levels). */
  priority?: number;
  /** `parameters.timeout` in microseconds (Triton's): the request's deadline from arrival. */
  timeoutUs?: number;
}

const MAX_RANK = 16;
const MAX_TENSORS = 1024;

/**
 * Decodes a v2 request body: JSON, or a JSON header plus binary blobs (Inference-Header-Content-Length). Shapes are
 * checked and element counts bounded before any tensor memory is allocated; binary data stays a view of the body.
 */
export function parseInferRequest(body: Uint8Array, headerLength: string | undefined, maxElements: number): ParsedInferRequest {
  if (headerLength !== undefined && headerLength.trim() === '0') {
    fail('NOT_IMPLEMENTED', 'Raw binary requests (Inference-Header-Content-Length: 0) are not supported; send a JSON header.');
  }
  const { json, binary } = splitBinaryBody(body, headerLength);
  const header = parseJson(json);
  const cursor = new BinaryCursor(binary);
  const inputs = listField(header.inputs, 'inputs', true).map((raw, i) => parseInput(raw, i, cursor, maxElements));
  cursor.assertConsumed();
  const parameters = parametersField(header.parameters, 'parameters');
  const binaryDefault = parameters.binary_data_output === true;
  const binaryOutputs = new Map<string, boolean>();
  const outputs = listField(header.outputs ?? [], 'outputs', false).map((raw, i) => parseOutput(raw, i, binaryOutputs));
  if (header.id !== undefined && typeof header.id !== 'string') fail('INVALID_REQUEST', '"id" must be a string.');
  return {
    ...(header.id !== undefined ? { id: header.id as string } : {}), inputs, outputs, binaryOutputs, binaryDefault,
    priority: optionalInteger(parameters.priority, 'priority', 1, 10),
    timeoutUs: optionalInteger(parameters.timeout, 'timeout', 1, 3_600_000_000),
  };
}

function parseJson(bytes: Uint8Array): Record<string, unknown> {
  let value: unknown;
  try {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    if (jsonNestingExceeds(text)) fail('INVALID_JSON', `The request nests deeper than ${MAX_JSON_DEPTH} levels.`);
    // A reviver would run once per number (150k calls for a 224² image); one native scan finds the keys instead.
    if (PROTOTYPE_KEY.test(text)) fail('INVALID_JSON', 'The keys "__proto__" and "constructor" are not allowed.');
    value = JSON.parse(text);
  } catch (error) {
    if (error instanceof ServingError) throw error;
    fail('INVALID_JSON', `The request header is not valid JSON: ${(error as Error).message.slice(0, 200)}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail('INVALID_REQUEST', 'The inference request must be a JSON object.');
  return value as Record<string, unknown>;
}

function listField(value: unknown, field: string, required: boolean): unknown[] {
  if (!Array.isArray(value) || (required && value.length === 0)) fail('INVALID_REQUEST', `"${field}" must be a ${required ? 'non-empty ' : ''}array.`);
  if (value.length > MAX_TENSORS) fail('INVALID_REQUEST', `"${field}" lists more than ${MAX_TENSORS} tensors.`);
  return value;
}

function parametersField(value: unknown, where: string): Parameters {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail('INVALID_PARAMETER', `"${where}" must be an object.`);
  for (const [key, entry] of Object.entries(value)) {
    if (key.startsWith('triton_')) fail('INVALID_PARAMETER', `Parameter "${key}" uses the reserved prefix "triton_".`);
    if (!['string', 'number', 'boolean'].includes(typeof entry)) fail('INVALID_PARAMETER', `Parameter "${key}" must be a string, number or boolean.`);
  }
  return value as Parameters;
}

function parseShape(value: unknown, name: string, maxElements: number): number[] {
  if (!Array.isArray(value) || value.length > MAX_RANK) fail('SHAPE_MISMATCH', `Input "${name}": "shape" must be an array of at most ${MAX_RANK} dimensions.`);
  let count = 1;
  for (const dim of value) {
    if (!Number.isSafeInteger(dim) || (dim as number) < 0) fail('SHAPE_MISMATCH', `Input "${name}": every dimension must be a non-negative integer, got ${JSON.stringify(dim)}.`);
    count *= dim as number;
  }
  if (count > maxElements) fail('TENSOR_TOO_LARGE', `Input "${name}" has ${count} elements; the limit is ${maxElements}.`);
  return value as number[];
}

function parseInput(raw: unknown, index: number, cursor: BinaryCursor, maxElements: number): Tensor {
  if (typeof raw !== 'object' || raw === null) fail('INVALID_REQUEST', `inputs[${index}] must be an object.`);
  const input = raw as Record<string, unknown>;
  if (typeof input.name !== 'string' || input.name.length === 0 || input.name.length > 256) fail('INVALID_REQUEST', `inputs[${index}].name must be a non-empty string.`);
  const name = input.name;
  if (!isDatatype(input.datatype)) fail('DATATYPE_MISMATCH', `Input "${name}": unknown datatype ${JSON.stringify(input.datatype)}.`);
  const shape = parseShape(input.shape, name, maxElements);
  const count = shape.reduce((a, b) => a * b, 1);
  const size = parametersField(input.parameters, `inputs[${index}].parameters`).binary_data_size;
  if (size !== undefined) {
    if (input.data !== undefined) fail('INVALID_REQUEST', `Input "${name}" has both "data" and binary_data_size; send one.`);
    const bytes = cursor.take(size as number, name);
    return { name, datatype: input.datatype, shape, data: decodeTensorBytes(input.datatype, bytes, count, name) };
  }
  if (input.data === undefined) fail('INVALID_REQUEST', `Input "${name}" has neither "data" nor parameters.binary_data_size.`);
  return { name, datatype: input.datatype, shape, data: jsonToTensorData(input.datatype, input.data, count, name) };
}

function parseOutput(raw: unknown, index: number, formats: Map<string, boolean>): RequestedOutput {
  if (typeof raw !== 'object' || raw === null || typeof (raw as { name?: unknown }).name !== 'string') {
    fail('INVALID_REQUEST', `outputs[${index}] must be an object with a "name".`);
  }
  const output = raw as { name: string; parameters?: unknown };
  const parameters = parametersField(output.parameters, `outputs[${index}].parameters`);
  if (parameters.binary_data !== undefined) formats.set(output.name, parameters.binary_data === true);
  const k = parameters.classification;
  if (k === undefined) return { name: output.name };
  if (typeof k !== 'number' || !Number.isSafeInteger(k) || k < 1) fail('INVALID_PARAMETER', `Output "${output.name}": classification must be a positive integer.`);
  return { name: output.name, classification: k };
}

/** `__proto__` and `constructor` as object keys (prototype-pollution attempts), written plainly or fully \\u-escaped. */
const PROTOTYPE_KEY = /"(?:__proto__|constructor|\\u005f\\u005fproto\\u005f\\u005f)"\s*:/;

function optionalInteger(value: unknown, name: string, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  if (!Number.isInteger(value) || (value as number) < min || (value as number) > max) {
    fail('INVALID_PARAMETER', `Parameter "${name}" must be an integer from ${min} to ${max}.`);
  }
  return value as number;
}
