import { fail, type Tensor, type TensorMetadata } from '../core/index.js';

/** A requested output, optionally turned into top-k classification strings. */
export interface RequestedOutput {
  name: string;
  classification?: number;
}

/** Checks request tensors against the version's signature before the runtime sees them. */
export function checkInputs(signature: readonly TensorMetadata[], inputs: readonly Tensor[]): void {
  const seen = new Set<string>();
  for (const input of inputs) {
    if (seen.has(input.name)) fail('INPUT_DUPLICATE', `Input "${input.name}" is given twice.`);
    seen.add(input.name);
    const expected = signature.find((meta) => meta.name === input.name)
      ?? fail('INPUT_UNKNOWN', `The model has no input "${input.name}"; its inputs are: ${signature.map((m) => m.name).join(', ')}.`);
    checkOne(expected, input);
  }
  for (const meta of signature) {
    if (!seen.has(meta.name)) fail('INPUT_MISSING', `Input "${meta.name}" (${meta.datatype} ${shapeText(meta.shape)}) is required.`);
  }
}

function checkOne(expected: TensorMetadata, input: Tensor): void {
  if (expected.datatype !== input.datatype) {
    fail('DATATYPE_MISMATCH', `Input "${input.name}" must be ${expected.datatype}, got ${input.datatype}.`);
  }
  const fits = expected.shape.length === input.shape.length
    && expected.shape.every((dim, i) => dim < 0 || dim === input.shape[i]);
  if (!fits) {
    fail('SHAPE_MISMATCH', `Input "${input.name}" has shape ${shapeText(input.shape)}, but the model takes ${shapeText(expected.shape)} (-1 = any size).`);
  }
}

/** Checks requested output names; an empty list means every output. */
export function checkOutputs(signature: readonly TensorMetadata[], outputs: readonly RequestedOutput[]): void {
  const seen = new Set<string>();
  for (const output of outputs) {
    if (seen.has(output.name)) fail('OUTPUT_DUPLICATE', `Output "${output.name}" is requested twice.`);
    seen.add(output.name);
    if (!signature.some((meta) => meta.name === output.name)) {
      fail('OUTPUT_UNKNOWN', `The model has no output "${output.name}"; its outputs are: ${signature.map((m) => m.name).join(', ')}.`);
    }
  }
}

export function shapeText(shape: readonly number[]): string {
  return `[${shape.join(',')}]`;
}
