import type { InferOutcome } from '../../app/index.js';
import { encodeTensorBytes, joinBinaryBody, tensorDataToJson, type InferOutputTensor, type InferResponse } from '../../protocol/index.js';
import type { ParsedInferRequest } from './parse-infer-request.js';

export interface EncodedResponse {
  body: Uint8Array | string;
  contentType: string;
  headerLength?: number;
}

/** Builds the v2 answer: JSON, or JSON header + blobs when any output is asked for in binary. */
export function encodeInferResponse(outcome: InferOutcome, request: ParsedInferRequest): EncodedResponse {
  const blobs: Uint8Array[] = [];
  const outputs: InferOutputTensor[] = outcome.outputs.map((tensor) => {
    const binary = request.binaryOutputs.get(tensor.name) ?? request.binaryDefault;
    const base = { name: tensor.name, shape: tensor.shape, datatype: tensor.datatype };
    if (!binary) return { ...base, data: tensorDataToJson(tensor.datatype, tensor.data, tensor.name) };
    const bytes = encodeTensorBytes(tensor.datatype, tensor.data);
    if (bytes.byteLength > 0) blobs.push(bytes);
    return { ...base, parameters: { binary_data_size: bytes.byteLength } };
  });
  const header: InferResponse = {
    model_name: outcome.model,
    model_version: String(outcome.version),
    ...(request.id !== undefined ? { id: request.id } : {}),
    outputs,
  };
  const anyBinary = outputs.some((output) => output.parameters?.binary_data_size !== undefined);
  if (!anyBinary) return { body: JSON.stringify(header), contentType: 'application/json' };
  const { body, headerLength } = joinBinaryBody(header, blobs);
  return { body, contentType: 'application/octet-stream', headerLength };
}
