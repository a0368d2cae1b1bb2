import http from 'node:http';

/** An answer read whole: status, headers, text, and the JSON body when the text is JSON. */
export interface RawAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  body: any;
}

export interface RawRequestOptions {
  /** Sent as `Authorization: Bearer <key>`; undefined/null: no Authorization header (unless `headers` has one). */
  key?: string | null;
  headers?: Record<string, string>;
  /** A Buffer goes as-is (content-type defaults to octet-stream); anything else as JSON. */
  body?: unknown;
  agent?: http.Agent;
}

/**
 * One request over node:http with the path sent exactly as given (fetch would normalise `..`, `%2e` and `#`, and
 * refuses to set Host): what attack tests need.
 */
export function rawRequest(base: string, method: string, path: string, options: RawRequestOptions = {}): Promise<RawAnswer> {
  const url = new URL(base);
  const headers: Record<string, string> = { ...(options.headers ?? {}) };
  if (options.key !== undefined && options.key !== null) headers.authorization = `Bearer ${options.key}`;
  let payload: Buffer | undefined;
  if (options.body !== undefined) {
    payload = Buffer.isBuffer(options.body) ? options.body : Buffer.from(JSON.stringify(options.body));
    headers['content-type'] ??= Buffer.isBuffer(options.body) ? 'application/octet-stream' : 'application/json';
    headers['content-length'] = String(payload.byteLength);
  }
  return new Promise((resolve, reject) => {
    const request = http.request({ host: url.hostname, port: url.port, method, path, headers, agent: options.agent }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('error', reject);
      response.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let body: any;
        try { body = JSON.parse(text); } catch { body = undefined; }
        resolve({ status: response.statusCode ?? 0, headers: response.headers, text, body });
      });
    });
    request.on('error', reject);
    request.end(payload);
  });
}
