import type { Datatype, Parameters, TensorData } from '../protocol/index.js';

/** How to reach a tessera server. */
export interface TesseraClientOptions {
  /** Base URL of the server, e.g. `http://127.0.0.1:8080` (a path prefix is kept; a trailing `/` is dropped). */
  url: string;
  /** API key, sent as `Authorization: Bearer <key>` on every request. */
  key?: string;
  /** A fetch implementation (default: the global `fetch`). */
  fetch?: typeof fetch;
  /** Extra headers sent on every request. */
  headers?: Record<string, string>;
}

/** A tensor as the SDK hands it over: typed-array data (BYTES as byte strings), row-major. */
export interface InferTensor {
  name: string;
  datatype: Datatype;
  shape: number[];
  data: TensorData;
}

/** An output tensor of an answer; `parameters` keeps what the server sent beside `binary_data_size`. */
export interface InferOutput extends InferTensor {
  parameters?: Parameters;
}

/** An output to ask for: its name, or its name with a top-k `classification` (the answer is then BYTES `"value:index[:label]"`). */
export type RequestedOutput = string | { name: string; classification?: number };

export interface InferOptions {
  /** A version number or an alias name (default: the model's default version). */
  version?: string | number;
  /** Outputs to return (default: all). */
  outputs?: RequestedOutput[];
  /** Request id, echoed by the server. */
  id?: string;
  /** Send and receive tensors with the binary tensor extension (default true); false sends plain JSON. */
  binary?: boolean;
  /** Request-level parameters. */
  parameters?: Parameters;
  signal?: AbortSignal;
}

export interface InferResult {
  modelName: string;
  modelVersion?: string;
  id?: string;
  parameters?: Parameters;
  outputs: InferOutput[];
}

/** Body of a model upload. Only a stream gives fine-grained progress (browsers stream uploads over HTTP/2 only). */
export type UploadBody = Uint8Array | Blob | ReadableStream<Uint8Array>;

export interface PushOptions {
  /** Called with the number of bytes handed to the connection so far. */
  onProgress?: (sentBytes: number) => void;
  signal?: AbortSignal;
}

/** Options of calls that only need cancelling. */
export interface CallOptions {
  signal?: AbortSignal;
}

/** Options of an alias change (set, rollback, delete). */
export interface AliasChangeOptions extends CallOptions {
  /**
   * Change the alias only if it is still in the state this ETag describes (the `etag` of an earlier answer, quotes
   * included), or `*`: only if it exists. Otherwise the server answers 412 PRECONDITION_FAILED and the error's
   * `body.etag` is the current ETag. Without it the change is unconditional.
   */
  ifMatch?: string;
  /** Why, recorded in the alias's history (at most 256 characters; set and rollback only). */
  reason?: string;
}
