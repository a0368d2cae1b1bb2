import { INFERENCE_HEADER_CONTENT_LENGTH } from '../protocol/index.js';
import { HttpTransport } from './http-transport.js';
import { decodeInferResponse, encodeInferRequest } from './infer-codec.js';
import { v2ModelPath } from './model-path.js';
import { isTesseraError } from './tessera-error.js';
import type { InferOptions, InferResult, InferTensor, TesseraClientOptions } from './types.js';

/** What one send of a prepared request came to: the HTTP status, and the server's error code when it failed. */
export interface InferAttempt {
  status: number;
  /** The server's stable code (e.g. `QUEUE_FULL`) of a non-2xx answer. */
  code?: string;
}

/**
 * One inference request, encoded once (binary tensor extension unless `binary: false`) and sent as often as wanted:
 * what a load generator needs, so that no time goes into building tensors while measuring. `url`, `headers`
 * (including the key) and `body` are public so another HTTP client can send the very same bytes.
 *
 * @example
 * const request = new PreparedInfer({ url, key }, 'iris', [{ name: 'input', datatype: 'FP32', shape: [1, 4], data: new Float32Array(4) }]);
 * const check = await request.result();       // decoded answer; throws TesseraError on a refusal
 * const { status, code } = await request.send(); // body drained, never decoded; never throws for an HTTP error
 */
export class PreparedInfer {
  /** The absolute URL of `POST …/infer`. */
  readonly url: string;
  /** Every header the request carries: content type, Inference-Header-Content-Length, authorization. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Uint8Array<ArrayBuffer> | string;
  private readonly path: string;
  private readonly http: HttpTransport;

  constructor(options: TesseraClientOptions, model: string, inputs: readonly InferTensor[], inferOptions: InferOptions = {}) {
    this.http = new HttpTransport(options);
    const encoded = encodeInferRequest(inputs, inferOptions);
    this.path = `${v2ModelPath(model, inferOptions.version)}/infer`;
    this.url = options.url.replace(/\/+$/, '') + this.path;
    this.body = encoded.body;
    const headers: Record<string, string> = { ...options.headers, ...encoded.headers };
    if (options.key) headers.authorization = `Bearer ${options.key}`;
    this.headers = Object.freeze(headers);
  }

  /** Size of the body in bytes (UTF-8 for JSON). */
  get bodyBytes(): number {
    return typeof this.body === 'string' ? new TextEncoder().encode(this.body).byteLength : this.body.byteLength;
  }

  /**
   * Sends the request and drains the answer without decoding it. HTTP refusals resolve with their status and code;
   * only a network failure or an abort rejects.
   */
  async send(signal?: AbortSignal): Promise<InferAttempt> {
    try {
      const response = await this.http.send('POST', this.path, { body: this.body, headers: this.headers, signal });
      await response.arrayBuffer();
      return { status: response.status };
    } catch (error) {
      if (isTesseraError(error)) return { status: error.status, code: error.code };
      throw error;
    }
  }

  /** Sends the request and decodes the answer (a check before a run); a refusal throws TesseraError. */
  async result(signal?: AbortSignal): Promise<InferResult> {
    const response = await this.http.send('POST', this.path, { body: this.body, headers: this.headers, signal });
    const bytes = new Uint8Array(await response.arrayBuffer());
    return decodeInferResponse(bytes, response.headers.get(INFERENCE_HEADER_CONTENT_LENGTH) ?? undefined);
  }
}
