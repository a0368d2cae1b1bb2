import {
  BinaryCursor, INFERENCE_HEADER_CONTENT_LENGTH, decodeTensorBytes, elementCount, encodeTensorBytes,
  joinBinaryBody, jsonToTensorData, splitBinaryBody, tensorDataToJson, wireError,
  type InferOutputTensor, type InferRequest, type InferRequestedOutput, type InferResponse, type Parameters,
} from '../protocol/index.js';
import type { InferOptions, InferOutput, InferResult, InferTensor, RequestedOutput } from './types.js';

/** A ready-to-send inference body with its headers. */
export interface EncodedInferRequest {
  body: Uint8Array<ArrayBuffer> | string;
  headers: Record<string, string>;
}

/**
 * Encodes inputs for `POST …/infer`. Binary (the default): a JSON header with each input's
 * `parameters.binary_data_size`, the blobs appended in input order, every output asked for in binary.
 * JSON (`binary: false`): plain v2 JSON.
 *
 * @example
 * const { body, headers } = encodeInferRequest([{ name: 'x', datatype: 'FP32', shape: [1, 4], data: new Float32Array(4) }], {});
 */
export function encodeInferRequest(inputs: readonly InferTensor[], options: InferOptions): EncodedInferRequest {
  for (const input of inputs) checkCount(input);
  const binary = options.binary ?? true;
  const request: InferRequest = { inputs: [] };
  if (options.id !== undefined) request.id = options.id;
  const parameters: Parameters = { ...options.parameters };
  if (binary) parameters.binary_data_output = true;
  if (Object.keys(parameters).length > 0) request.parameters = parameters;
  if (options.outputs) request.outputs = options.outputs.map((output) => requestedOutput(output, binary));
  if (!binary) {
    request.inputs = inputs.map((input) => ({
      name: input.name, shape: input.shape, datatype: input.datatype,
      data: tensorDataToJson(input.datatype, input.data, input.name),
    }));
    return { body: JSON.stringify(request), headers: { 'content-type': 'application/json' } };
  }
  const blobs = inputs.map((input) => encodeTensorBytes(input.datatype, input.data));
  request.inputs = inputs.map((input, i) => ({
    name: input.name, shape: input.shape, datatype: input.datatype,
    parameters: { binary_data_size: blobs[i].byteLength },
  }));
  const { body, headerLength } = joinBinaryBody(request, blobs);
  return {
    body: body as Uint8Array<ArrayBuffer>,
    headers: { 'content-type': 'application/octet-stream', [INFERENCE_HEADER_CONTENT_LENGTH]: String(headerLength) },
  };
}

/**
 * Decodes an inference answer: splits it at Inference-Header-Content-Length when that header is present, takes
 * the next blob for each output with `binary_data_size`, and converts JSON `data` to typed arrays.
 *
 * @example
 * const result = decodeInferResponse(new Uint8Array(await response.arrayBuffer()), response.headers.get('inference-header-content-length') ?? undefined);
 */
export function decodeInferResponse(body: Uint8Array, headerLength: string | undefined): InferResult {
  const { json, binary } = splitBinaryBody(body, headerLength);
  const response = JSON.parse(new TextDecoder().decode(json)) as InferResponse;
  const cursor = new BinaryCursor(binary);
  const result: InferResult = { modelName: response.model_name, outputs: response.outputs.map((output) => decodeOutput(output, cursor)) };
  if (response.model_version !== undefined) result.modelVersion = response.model_version;
  if (response.id !== undefined) result.id = response.id;
  if (response.parameters !== undefined) result.parameters = response.parameters;
  return result;
}

function decodeOutput(output: InferOutputTensor, cursor: BinaryCursor): InferOutput {
  const { binary_data_size: size, ...rest } = output.parameters ?? {};
  const count = elementCount(output.shape);
  let data;
  if (size !== undefined) {
    data = decodeTensorBytes(output.datatype, cursor.take(Number(size), output.name), count, output.name);
  } else if (output.data !== undefined) {
    data = jsonToTensorData(output.datatype, output.data, count, output.name);
  } else {
    throw wireError('INVALID_BINARY_DATA', `Output "${output.name}" has neither "data" nor "binary_data_size".`);
  }
  const decoded: InferOutput = { name: output.name, datatype: output.datatype, shape: output.shape, data };
  if (Object.keys(rest).length > 0) decoded.parameters = rest;
  return decoded;
}

function requestedOutput(output: RequestedOutput, binary: boolean): InferRequestedOutput {
  const { name, classification } = typeof output === 'string' ? { name: output, classification: undefined } : output;
  const parameters: Parameters = {};
  if (binary) parameters.binary_data = true;
  if (classification !== undefined) parameters.classification = classification;
  return Object.keys(parameters).length > 0 ? { name, parameters } : { name };
}

function checkCount(input: InferTensor): void {
  const expected = elementCount(input.shape);
  if (input.data.length !== expected) {
    throw wireError('DATA_MISMATCH', `Input "${input.name}": ${input.data.length} elements, but shape [${input.shape.join(',')}] holds ${expected}.`);
  }
}
