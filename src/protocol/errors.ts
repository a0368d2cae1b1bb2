/**
 * The error catalogue: every stable code a tessera server can answer with, and what it means.
 * Codes are never reused once retired. docs/errors.md lists the same codes and a test keeps the two in step.
 * The HTTP status for each code lives in one table at the edge (src/server/http-status.ts).
 */
export const ERROR_CODES = {
  INVALID_REQUEST: 'The request body or parameters are malformed or miss a required field.',
  INVALID_JSON: 'The body is not valid JSON.',
  UNSUPPORTED_MEDIA_TYPE: 'The Content-Type is not accepted by this route.',
  PAYLOAD_TOO_LARGE: 'The body is larger than the configured limit for this route.',
  UNAUTHENTICATED: 'No valid API key was presented (Authorization: Bearer <key>).',
  ROUTE_NOT_FOUND: 'No route matches this method and path.',
  FORBIDDEN: 'The API key is valid but lacks the scope this route needs.',
  HOST_NOT_ALLOWED: 'The Host header is not one this server answers to.',
  RATE_LIMITED: 'The key or tenant sent more requests per second than its limit allows.',
  CONCURRENCY_LIMITED: 'The key or tenant has as many requests in flight as its limit allows.',
  QUOTA_EXCEEDED: 'The monthly quota of requests or compute time of the key or tenant is used up.',
  INVALID_TENANT_NAME: 'A tenant name must match ^[a-z][a-z0-9-]{1,31}$ and must not be a reserved route word.',
  TENANT_NOT_FOUND: 'No tenant with this name exists.',
  TENANT_EXISTS: 'A tenant with this name already exists.',
  KEY_NOT_FOUND: 'No API key with this id exists.',
  INVALID_MODEL_NAME: 'A model name must match ^[a-z0-9][a-z0-9._-]{0,63}$.',
  INVALID_ALIAS_NAME: 'An alias name must match ^[a-z][a-z0-9_-]{0,31}$ and must not be a number.',
  INVALID_VERSION: 'A version must be a positive integer or an alias name.',
  MODEL_NOT_FOUND: 'No model with this name exists.',
  MODEL_EXISTS: 'A model with this name already exists.',
  VERSION_NOT_FOUND: 'The model has no such version (or the alias points nowhere).',
  ALIAS_NOT_FOUND: 'The model has no such alias.',
  VERSION_NOT_READY: 'The version is not READY, so an alias cannot point at it.',
  VERSION_IN_USE: 'An alias points at this version; move or delete the alias first.',
  NO_PREVIOUS_TARGET: 'The alias has no earlier target to roll back to.',
  PRECONDITION_FAILED: 'The If-Match ETag no longer matches: the alias was moved or deleted since it was read.',
  NO_READY_VERSION: 'The model has no READY version to serve.',
  INVALID_ONNX: 'The uploaded file is not a valid ONNX model.',
  ONNX_EXTERNAL_DATA: 'The ONNX model references external data files, which are refused.',
  ONNX_CUSTOM_DOMAIN: 'The ONNX model uses an operator domain outside the standard ONNX ones.',
  MODEL_TOO_LARGE: 'The uploaded model is larger than the configured maximum.',
  MODEL_VALIDATION_FAILED: 'The model could not be loaded or run in the isolated validator.',
  ARTIFACT_CORRUPT: 'The stored model file no longer matches its sha256.',
  VERSION_CORRUPT: 'The version failed an integrity or decryption check and is never served.',
  MASTER_KEY_REQUIRED: 'The artifact is encrypted and the server has no master key configured.',
  MASTER_KEY_NOT_ROTATABLE: 'The master key cannot be rotated in this configuration.',
  INPUT_UNKNOWN: 'The request names an input the model does not have.',
  INPUT_MISSING: 'The request does not supply an input the model requires.',
  INPUT_DUPLICATE: 'The request names the same input twice.',
  OUTPUT_UNKNOWN: 'The request asks for an output the model does not have.',
  OUTPUT_DUPLICATE: 'The request asks for the same output twice.',
  DATATYPE_MISMATCH: 'The input datatype differs from the model signature.',
  SHAPE_MISMATCH: 'The input shape is invalid or does not fit the model signature.',
  DATA_MISMATCH: 'The tensor data does not match its shape and datatype.',
  DATATYPE_NOT_JSON: 'FP16 and BF16 have no JSON form; send them with the binary tensor extension.',
  TENSOR_TOO_LARGE: 'A tensor has more elements or bytes than the configured limit.',
  IMAGE_TOO_LARGE: 'The image has more pixels than the configured limit.',
  INVALID_IMAGE: 'The bytes are not an image in a supported format (JPEG, PNG, WebP, GIF, TIFF).',
  IMAGE_INPUT_UNSUPPORTED: 'The model signature cannot take an image (it needs one FP32 input of rank 4 with 1 or 3 channels).',
  INVALID_BINARY_DATA: 'The binary tensor framing (Inference-Header-Content-Length, binary_data_size, BYTES prefixes) is invalid.',
  CLASSIFICATION_UNSUPPORTED: 'Classification is not available for this output type.',
  INVALID_PARAMETER: 'A request parameter has an invalid value or uses a reserved name.',
  NOT_IMPLEMENTED: 'The feature is not implemented by this server.',
  MODEL_UNAVAILABLE: 'The model worker is not available (starting, restarting after a crash, or unloaded).',
  WORKER_CRASHED: 'The model worker process died while running this request.',
  INFERENCE_TIMEOUT: 'The inference ran longer than the model timeout; its worker was restarted.',
  INFERENCE_FAILED: 'onnxruntime reported an error while running the model.',
  OUTPUT_TOO_LARGE: 'The model produced more output bytes than the configured limit.',
  QUEUE_FULL: 'Too many requests are waiting for this model; retry after the Retry-After delay.',
  DEADLINE_EXCEEDED: 'The request deadline (the timeout parameter or header) passed before it could run; it was not executed.',
  SERVER_NOT_READY: 'The server is starting or shutting down.',
  STORAGE_FULL: 'The data folder has no space left.',
  INTERNAL: 'An unexpected server error; the request id in the logs tells more.',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

/** Body of every error answer of the v2 and management routes. */
export interface ErrorBody {
  error: string;
  code: ErrorCode;
  [extra: string]: unknown;
}

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(ERROR_CODES, value);
}
