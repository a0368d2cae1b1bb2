import { errorFromResponse } from './tessera-error.js';
import type { TesseraClientOptions } from './types.js';

/** fetch's RequestInit plus `duplex`, which streamed request bodies need (missing from lib.dom). */
export type RequestInitWithDuplex = RequestInit & { duplex?: 'half' };

export interface SendOptions {
  /** A JSON body (sent with `Content-Type: application/json`). */
  json?: unknown;
  /** A raw body; give its Content-Type in `headers`. */
  body?: BodyInit;
  headers?: Record<string, string>;
  signal?: AbortSignal;
  /** Statuses answered without throwing besides 2xx (e.g. 503 for health checks). */
  accept?: readonly number[];
  duplex?: 'half';
}

/**
 * The HTTP layer of the SDK: joins paths to the base URL, adds the key and the default headers, and turns every
 * non-2xx answer into a TesseraError.
 *
 * @example
 * const http = new HttpTransport({ url: 'http://127.0.0.1:8080', key: 'k' });
 * const models = await http.json<{ items: ModelInfo[] }>('GET', '/api/models');
 */
export class HttpTransport {
  private readonly baseUrl: string;
  private readonly fetchImpl: typeof fetch;
  private readonly defaultHeaders: Record<string, string>;

  constructor(options: TesseraClientOptions) {
    if (typeof options.url !== 'string' || options.url.length === 0) {
      throw new TypeError('TesseraClient needs a server url, e.g. { url: "http://127.0.0.1:8080" }.');
    }
    this.baseUrl = options.url.replace(/\/+$/, '');
    // Called through a closure: a bare `window.fetch` reference throws "Illegal invocation" in browsers.
    this.fetchImpl = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
    this.defaultHeaders = { ...options.headers };
    if (options.key) this.defaultHeaders.authorization = `Bearer ${options.key}`;
  }

  /** Sends a request; resolves with the response when it is 2xx (or in `accept`), else throws TesseraError. */
  async send(method: string, path: string, options: SendOptions = {}): Promise<Response> {
    const headers: Record<string, string> = { ...this.defaultHeaders, ...options.headers };
    const init: RequestInitWithDuplex = { method, headers, signal: options.signal };
    if (options.json !== undefined) {
      headers['content-type'] = 'application/json';
      init.body = JSON.stringify(options.json);
    } else if (options.body !== undefined) {
      init.body = options.body;
    }
    if (options.duplex) init.duplex = options.duplex;
    const response = await this.fetchImpl(this.baseUrl + path, init);
    if (response.ok || options.accept?.includes(response.status)) return response;
    throw await errorFromResponse(response);
  }

  /** Sends a request and parses the JSON answer. */
  async json<T>(method: string, path: string, options: SendOptions = {}): Promise<T> {
    const response = await this.send(method, path, options);
    return (await response.json()) as T;
  }

  /** Sends a request whose answer has no useful body (204, or 200 empty); drains it. */
  async empty(method: string, path: string, options: SendOptions = {}): Promise<void> {
    const response = await this.send(method, path, options);
    await response.arrayBuffer();
  }

  /** GETs a status-code-is-the-answer route: true on 2xx, false on 503, TesseraError otherwise. */
  async check(path: string, options: SendOptions = {}): Promise<boolean> {
    const response = await this.send('GET', path, { ...options, accept: [503] });
    await response.arrayBuffer();
    return response.ok;
  }
}

/** One URL path segment, percent-encoded. */
export function segment(value: string | number): string {
  return encodeURIComponent(String(value));
}
