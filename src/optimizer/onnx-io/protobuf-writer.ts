import type { Int64 } from './onnx-types.js';
import { WireType } from './protobuf-reader.js';

const utf8 = new TextEncoder();
/** Byte arrays at least this long are kept by reference until `finish()` instead of being copied twice. */
const LARGE_CHUNK = 4096;

/**
 * An append-only protobuf wire-format writer.
 *
 * Nested messages are written into child writers whose chunks are spliced into the parent by reference, and large
 * byte fields (tensor `raw_data`) are kept by reference too, so every payload byte is copied once, in `finish()`.
 *
 * @example
 * const writer = new ProtobufWriter();
 * writer.string(1, 'x');
 * writer.message(2, (type) => type.int32(1, 1));
 * const bytes = writer.finish();
 */
export class ProtobufWriter {
  private chunks: Uint8Array[] = [];
  private flushedLength = 0;
  private buffer = new Uint8Array(256);
  private view = new DataView(this.buffer.buffer);
  private pos = 0;

  /** Bytes written so far. */
  get length(): number {
    return this.flushedLength + this.pos;
  }

  /** A varint field (int32, int64, uint64, enum); negative values take 10 bytes, as protobuf requires. */
  varintField(field: number, value: Int64): void {
    this.key(field, WireType.VARINT);
    this.varint(value);
  }

  /** An int32/enum field (alias of `varintField` kept for readability at call sites). */
  int32(field: number, value: number): void {
    this.varintField(field, value);
  }

  float(field: number, value: number): void {
    this.key(field, WireType.FIXED32);
    this.ensure(4);
    this.view.setFloat32(this.pos, value, true);
    this.pos += 4;
  }

  string(field: number, value: string): void {
    this.bytes(field, utf8.encode(value));
  }

  /** A bytes field; large values are referenced, not copied, until `finish()`. */
  bytes(field: number, value: Uint8Array): void {
    this.key(field, WireType.LENGTH_DELIMITED);
    this.varint(value.length);
    this.raw(value);
  }

  /** A nested message written by `build` into a child writer. */
  message(field: number, build: (writer: ProtobufWriter) => void): void {
    const child = new ProtobufWriter();
    build(child);
    this.key(field, WireType.LENGTH_DELIMITED);
    this.varint(child.length);
    this.append(child);
  }

  /** A packed repeated varint field; nothing is written for an empty list. */
  packedVarints(field: number, values: readonly Int64[]): void {
    if (values.length === 0) return;
    this.message(field, (packed) => {
      for (const value of values) packed.varint(value);
    });
  }

  /** An unpacked repeated varint field: one key per value (proto2's default, used by onnx.proto for `dims`, `ints`). */
  repeatedVarints(field: number, values: readonly Int64[]): void {
    for (const value of values) this.varintField(field, value);
  }

  /** An unpacked repeated float field (onnx.proto's `AttributeProto.floats`). */
  repeatedFloats(field: number, values: readonly number[]): void {
    for (const value of values) this.float(field, value);
  }

  /** A packed repeated float field. */
  packedFloats(field: number, values: readonly number[]): void {
    if (values.length === 0) return;
    this.key(field, WireType.LENGTH_DELIMITED);
    this.varint(values.length * 4);
    this.ensure(values.length * 4);
    for (const value of values) {
      this.view.setFloat32(this.pos, value, true);
      this.pos += 4;
    }
  }

  /** A packed repeated double field. */
  packedDoubles(field: number, values: readonly number[]): void {
    if (values.length === 0) return;
    this.key(field, WireType.LENGTH_DELIMITED);
    this.varint(values.length * 8);
    this.ensure(values.length * 8);
    for (const value of values) {
      this.view.setFloat64(this.pos, value, true);
      this.pos += 8;
    }
  }

  /** The written bytes (one copy of everything referenced). The writer must not be used afterwards. */
  finish(): Uint8Array {
    this.flush();
    if (this.chunks.length === 1) return this.chunks[0];
    const out = new Uint8Array(this.flushedLength);
    let offset = 0;
    for (const chunk of this.chunks) {
      out.set(chunk, offset);
      offset += chunk.length;
    }
    return out;
  }

  private key(field: number, wireType: number): void {
    this.varint(field * 8 + wireType);
  }

  private varint(value: Int64): void {
    if (typeof value === 'number') {
      if (!Number.isSafeInteger(value)) throw new RangeError(`cannot encode ${value} as a protobuf integer`);
      if (value >= 0) return this.unsignedNumber(value);
      value = BigInt(value);
    }
    if (value < -(2n ** 63n) || value >= 2n ** 64n) throw new RangeError(`${value} does not fit in 64 bits`);
    let rest = BigInt.asUintN(64, value);
    this.ensure(10);
    while (rest >= 0x80n) {
      this.buffer[this.pos++] = Number(rest & 0x7fn) | 0x80;
      rest >>= 7n;
    }
    this.buffer[this.pos++] = Number(rest);
  }

  private unsignedNumber(value: number): void {
    this.ensure(10);
    while (value >= 0x80) {
      this.buffer[this.pos++] = (value % 0x80) | 0x80;
      value = Math.floor(value / 0x80);
    }
    this.buffer[this.pos++] = value;
  }

  private raw(bytes: Uint8Array): void {
    if (bytes.length >= LARGE_CHUNK) {
      this.flush();
      this.pushChunk(bytes);
      return;
    }
    this.ensure(bytes.length);
    this.buffer.set(bytes, this.pos);
    this.pos += bytes.length;
  }

  private append(child: ProtobufWriter): void {
    if (child.length < LARGE_CHUNK) {
      this.raw(child.finish());
      return;
    }
    child.flush();
    this.flush();
    for (const chunk of child.chunks) this.pushChunk(chunk);
  }

  private pushChunk(chunk: Uint8Array): void {
    this.chunks.push(chunk);
    this.flushedLength += chunk.length;
  }

  private flush(): void {
    if (this.pos === 0) return;
    this.pushChunk(this.buffer.subarray(0, this.pos));
    this.buffer = new Uint8Array(Math.max(256, Math.min(this.buffer.length, 1 << 16)));
    this.view = new DataView(this.buffer.buffer);
    this.pos = 0;
  }

  private ensure(count: number): void {
    if (this.pos + count <= this.buffer.length) return;
    let size = this.buffer.length * 2;
    while (size < this.pos + count) size *= 2;
    const grown = new Uint8Array(size);
    grown.set(this.buffer.subarray(0, this.pos));
    this.buffer = grown;
    this.view = new DataView(grown.buffer);
  }
}
