import { fail } from '../../core/index.js';

/** One part of a multipart/form-data body. */
export interface FormPart {
  name: string;
  filename?: string;
  contentType?: string;
  data: Uint8Array;
}

const MAX_PARTS = 64;

/**
 * Splits a buffered multipart/form-data body (RFC 7578) into its parts. The body is already bounded by the route's
 * body limit; parts are views into it, never copies.
 */
export function parseMultipart(body: Uint8Array, contentType: string): FormPart[] {
  const boundary = /boundary=(?:"([^"]{1,70})"|([^\s;]{1,70}))/i.exec(contentType);
  if (!boundary) fail('INVALID_REQUEST', 'multipart/form-data needs a boundary parameter.');
  const delimiter = Buffer.from(`--${boundary[1] ?? boundary[2]}`);
  const buffer = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  const parts: FormPart[] = [];
  let start = buffer.indexOf(delimiter);
  if (start < 0) fail('INVALID_REQUEST', 'The multipart body does not contain its boundary.');
  while (true) {
    const afterDelimiter = start + delimiter.length;
    if (buffer.subarray(afterDelimiter, afterDelimiter + 2).toString() === '--') break;
    const next = buffer.indexOf(delimiter, afterDelimiter);
    if (next < 0) fail('INVALID_REQUEST', 'The multipart body ends without its closing boundary.');
    parts.push(parsePart(buffer.subarray(afterDelimiter + 2, next - 2)));
    if (parts.length > MAX_PARTS) fail('INVALID_REQUEST', `At most ${MAX_PARTS} parts are accepted in one request.`);
    start = next;
  }
  return parts;
}

function parsePart(part: Buffer): FormPart {
  const headerEnd = part.indexOf('\r\n\r\n');
  if (headerEnd < 0) fail('INVALID_REQUEST', 'A multipart part has no header block.');
  const headers = part.subarray(0, headerEnd).toString('utf8').split('\r\n');
  const disposition = headers.find((line) => /^content-disposition:/i.test(line)) ?? '';
  const type = headers.find((line) => /^content-type:/i.test(line));
  const name = /\bname="([^"]*)"/i.exec(disposition)?.[1] ?? '';
  const filename = /\bfilename="([^"]*)"/i.exec(disposition)?.[1];
  return {
    name,
    ...(filename !== undefined ? { filename } : {}),
    ...(type ? { contentType: type.split(':')[1].trim() } : {}),
    data: part.subarray(headerEnd + 4),
  };
}
