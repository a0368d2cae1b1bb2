import type { UploadBody } from './types.js';

/** A body ready for fetch; `duplex: 'half'` is set for streams (required by fetch for streamed uploads). */
export interface PreparedUpload {
  body: BodyInit;
  duplex?: 'half';
  /** Byte size when known up front (Uint8Array, Blob). */
  size?: number;
}

/**
 * Prepares an upload body. A stream is wrapped to count the bytes it hands to the connection and report them to
 * `onProgress`; a Uint8Array or Blob is sent as is (so browsers can send it over HTTP/1.1) and its size is
 * reported once the upload is done by the caller.
 *
 * @example
 * const upload = prepareUpload(file.stream(), (sent) => console.log(sent));
 * await fetch(url, { method: 'POST', body: upload.body, duplex: upload.duplex });
 */
export function prepareUpload(body: UploadBody, onProgress?: (sentBytes: number) => void): PreparedUpload {
  if (body instanceof Uint8Array) return { body: body as Uint8Array<ArrayBuffer>, size: body.byteLength };
  if (isBlob(body)) return { body, size: body.size };
  if (!isReadableStream(body)) {
    throw new TypeError('A model upload must be a Uint8Array, a Blob or a ReadableStream<Uint8Array>.');
  }
  if (!onProgress) return { body, duplex: 'half' };
  let sent = 0;
  const counted = body.pipeThrough(new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, controller) {
      sent += chunk.byteLength;
      controller.enqueue(chunk);
      onProgress(sent);
    },
  }));
  return { body: counted, duplex: 'half' };
}

function isBlob(value: unknown): value is Blob {
  return typeof Blob !== 'undefined' && value instanceof Blob;
}

function isReadableStream(value: unknown): value is ReadableStream<Uint8Array> {
  return typeof value === 'object' && value !== null && typeof (value as ReadableStream).getReader === 'function'
    && typeof (value as ReadableStream).pipeThrough === 'function';
}
