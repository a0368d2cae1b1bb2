import { readFileSync } from 'node:fs';
import type { InferRequest, InferTensor, ModelMetadata, RequestedOutput } from '../client/index.js';
import { elementCount, isDatatype, jsonToTensorData, type JsonTensorData } from '../protocol/index.js';
import { UsageError } from './parse-args.js';

/**
 * The JSON of `--data`: inline, `@file.json`, or `@-` for stdin.
 *
 * @example
 * readDataArgument('{"input": [[1, 2, 3, 4]]}'); // → { input: [[1, 2, 3, 4]] }
 */
export function readDataArgument(argument: string): unknown {
  const text = argument.startsWith('@') ? readSource(argument.slice(1)) : argument;
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new UsageError(`--data is not valid JSON: ${(error as Error).message}`);
  }
}

function readSource(path: string): string {
  try {
    return readFileSync(path === '-' ? 0 : path, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read --data file ${path}: ${(error as Error).message}`);
  }
}

/** True for a full v2 request (`{"inputs": [...]}`), false for the shorthand. */
export function isFullRequest(value: unknown): value is InferRequest {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && Array.isArray((value as { inputs?: unknown }).inputs);
}

/**
 * Turns the shorthand `{"inputName": nestedArray, …}` (or a bare array for a single-input model) into a v2
 * request, taking datatypes from the model metadata and shapes from the arrays' nesting. A flat array for a
 * `[-1, 4]` input becomes `[n, 4]`; one missing leading batch dimension is added as 1.
 *
 * @example
 * shorthandToRequest({ input: [[1, 2, 3, 4]] }, metadata); // → { inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 4], data: [[1, 2, 3, 4]] }] }
 */
export function shorthandToRequest(value: unknown, metadata: ModelMetadata): InferRequest {
  const names = metadata.inputs.map((input) => input.name).join(', ');
  let entries: Array<[string, unknown]>;
  if (Array.isArray(value)) {
    if (metadata.inputs.length !== 1) throw new UsageError(`model ${metadata.name} has inputs ${names}: name them, e.g. {"${metadata.inputs[0]?.name ?? 'input'}": [...]}`);
    entries = [[metadata.inputs[0].name, value]];
  } else if (typeof value === 'object' && value !== null) {
    entries = Object.entries(value);
  } else {
    throw new UsageError('--data must be a JSON object {"inputName": array, …} or a full request {"inputs": [...]}');
  }
  return {
    inputs: entries.map(([name, data]) => {
      const declared = metadata.inputs.find((input) => input.name === name);
      if (!declared) throw new UsageError(`model ${metadata.name} has no input ${JSON.stringify(name)}; its inputs: ${names}`);
      const nested = Array.isArray(data) ? (data as JsonTensorData) : [data as number];
      const inferred = Array.isArray(data) ? nestedShape(data, name) : [];
      return { name, datatype: declared.datatype, shape: fitShape(inferred, declared.shape), data: nested };
    }),
  };
}

/** The dimensions of a rectangular nested array; a ragged one is a UsageError. */
export function nestedShape(value: readonly unknown[], name: string): number[] {
  const shape: number[] = [];
  let level: unknown = value;
  while (Array.isArray(level)) {
    shape.push(level.length);
    level = level[0];
  }
  checkRectangular(value, shape, 0, name);
  return shape;
}

function checkRectangular(value: unknown, shape: readonly number[], depth: number, name: string): void {
  if (depth === shape.length) {
    if (Array.isArray(value)) throw new UsageError(`input ${name}: the nested arrays are ragged (too deep at depth ${depth})`);
    return;
  }
  if (!Array.isArray(value) || value.length !== shape[depth]) {
    throw new UsageError(`input ${name}: the nested arrays are ragged (expected ${shape[depth]} items at depth ${depth})`);
  }
  for (const item of value) checkRectangular(item, shape, depth + 1, name);
}

/** Reconciles the shape read off the arrays with the declared one (-1 = any). */
export function fitShape(inferred: number[], declared: readonly number[]): number[] {
  if (inferred.length === declared.length || declared.length === 0) return inferred;
  if (inferred.length === 1 && declared.filter((dim) => dim < 0).length <= 1) {
    const known = declared.reduce((product, dim) => (dim > 0 ? product * dim : product), 1);
    if (known > 0 && inferred[0] % known === 0) return declared.map((dim) => (dim < 0 ? inferred[0] / known : dim));
  }
  if (inferred.length === declared.length - 1 && (declared[0] === -1 || declared[0] === 1)) return [1, ...inferred];
  return inferred;
}

/** The inputs of a v2 JSON request as SDK tensors (typed arrays), for the binary path. */
export function requestToTensors(request: InferRequest): InferTensor[] {
  return request.inputs.map((input) => {
    if (!isDatatype(input.datatype)) throw new UsageError(`input ${input.name}: unknown datatype ${JSON.stringify(input.datatype)}`);
    if (!Array.isArray(input.shape)) throw new UsageError(`input ${input.name}: "shape" must be an array`);
    if (input.data === undefined) throw new UsageError(`input ${input.name}: "data" is missing`);
    const data = jsonToTensorData(input.datatype, input.data, elementCount(input.shape), input.name);
    return { name: input.name, datatype: input.datatype, shape: input.shape, data };
  });
}

/** The requested outputs of a v2 request as SDK options (name and classification). */
export function requestedOutputs(request: InferRequest): RequestedOutput[] | undefined {
  return request.outputs?.map((output) => {
    const classification = output.parameters?.classification;
    return typeof classification === 'number' ? { name: output.name, classification } : output.name;
  });
}
