import { DATATYPE_SIZE, type Datatype } from './datatypes.js';
import { viewNumeric, numericBytes, type TensorData } from './tensor.js';
import { wireError } from './wire-error.js';

/**
 * The binary tensor extension (Triton `binary_tensor_data`): a JSON header followed by raw tensor blobs.
 * Numbers are little-endian and row-major; BOOL is one byte per element; BYTES elements are each a uint32 LE
 * length followed by the bytes.
 */

/** Raw bytes of a tensor as the binary extension carries them (a view for numeric data, no copy). */
export function encodeTensorBytes(datatype: Datatype, data: TensorData): Uint8Array {
  if (datatype !== 'BYTES') return numericBytes(data as Exclude<TensorData, Uint8Array[]>);
  const elements = data as Uint8Array[];
  let total = 0;
  for (const element of elements) total += 4 + element.byteLength;
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  let offset = 0;
  for (const element of elements) {
    view.setUint32(offset, element.byteLength, true);
    out.set(element, offset + 4);
    offset += 4 + element.byteLength;
  }
  return out;
}

/** Decodes `count` elements of `datatype` from a blob; the blob must hold exactly that many. */
export function decodeTensorBytes(datatype: Datatype, bytes: Uint8Array, count: number, name = 'tensor'): TensorData {
  if (datatype === 'BYTES') return decodeByteStrings(bytes, count, name);
  const expected = count * DATATYPE_SIZE[datatype];
  if (bytes.byteLength !== expected) {
    throw wireError('DATA_MISMATCH', `Input "${name}": ${bytes.byteLength} bytes of binary data, expected ${expected} for ${count} ${datatype} elements.`);
  }
  return viewNumeric(datatype, bytes);
}

function decodeByteStrings(bytes: Uint8Array, count: number, name: string): Uint8Array[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const elements: Uint8Array[] = [];
  let offset = 0;
  while (offset < bytes.byteLength) {
    if (offset + 4 > bytes.byteLength) throw wireError('INVALID_BINARY_DATA', `Input "${name}": truncated BYTES length prefix at byte ${offset}.`);
    const length = view.getUint32(offset, true);
    if (offset + 4 + length > bytes.byteLength) {
      throw wireError('INVALID_BINARY_DATA', `Input "${name}": BYTES element ${elements.length} claims ${length} bytes past the end of its data.`);
    }
    elements.push(bytes.subarray(offset + 4, offset + 4 + length));
    offset += 4 + length;
    if (elements.length > count) break;
  }
  if (elements.length !== count) {
    throw wireError('DATA_MISMATCH', `Input "${name}": ${elements.length} BYTES elements in binary data, expected ${count}.`);
  }
  return elements;
}

/**
 * Joins a JSON header and blobs into one body; `headerLength` goes in Inference-Header-Content-Length. The header is
 * padded with spaces (valid JSON whitespace) to a multiple of 8 bytes, so a reader can view every 8-byte-aligned
 * tensor in place instead of copying it to realign.
 */
export function joinBinaryBody(header: unknown, blobs: readonly Uint8Array[]): { body: Uint8Array; headerLength: number } {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const headerLength = json.byteLength + ((8 - (json.byteLength % 8)) % 8);
  let total = headerLength;
  for (const blob of blobs) total += blob.byteLength;
  const body = new Uint8Array(total);
  body.set(json, 0);
  body.fill(0x20, json.byteLength, headerLength);
  let offset = headerLength;
  for (const blob of blobs) {
    body.set(blob, offset);
    offset += blob.byteLength;
  }
  return { body, headerLength };
}

/** Splits a body at the JSON header length given by Inference-Header-Content-Length (absent: all JSON). */
export function splitBinaryBody(body: Uint8Array, headerLength: string | undefined): { json: Uint8Array; binary: Uint8Array } {
  if (headerLength === undefined) return { json: body, binary: body.subarray(body.byteLength) };
  if (!/^[0-9]{1,10}$/.test(headerLength.trim())) {
    throw wireError('INVALID_BINARY_DATA', `Inference-Header-Content-Length must be a non-negative integer, got ${JSON.stringify(headerLength.slice(0, 40))}.`);
  }
  const length = Number(headerLength.trim());
  if (length > body.byteLength) {
    throw wireError('INVALID_BINARY_DATA', `Inference-Header-Content-Length ${length} is larger than the ${body.byteLength}-byte body.`);
  }
  return { json: body.subarray(0, length), binary: body.subarray(length) };
}

/** Hands out consecutive slices of the binary part, in the order of the tensors that carry binary_data_size. */
export class BinaryCursor {
  private offset = 0;
  constructor(private readonly binary: Uint8Array) {}

  take(size: number, name: string): Uint8Array {
    if (!Number.isSafeInteger(size) || size < 0) {
      throw wireError('INVALID_BINARY_DATA', `Input "${name}": binary_data_size must be a non-negative integer.`);
    }
    if (this.offset + size > this.binary.byteLength) {
      throw wireError('INVALID_BINARY_DATA', `Input "${name}": binary_data_size ${size} runs past the end of the body.`);
    }
    const slice = this.binary.subarray(this.offset, this.offset + size);
    this.offset += size;
    return slice;
  }

  assertConsumed(): void {
    if (this.offset !== this.binary.byteLength) {
      throw wireError('INVALID_BINARY_DATA', `${this.binary.byteLength - this.offset} bytes of binary data are not claimed by any input's binary_data_size.`);
    }
  }
}
