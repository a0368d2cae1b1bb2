import { fail } from '../../core/index.js';
import type { Int64 } from './onnx-types.js';

/** Protobuf wire types. Groups (3, 4) are deprecated and never used by ONNX; the reader refuses them. */
export const WireType = { VARINT: 0, FIXED64: 1, LENGTH_DELIMITED: 2, FIXED32: 5 } as const;

const TWO_POW_32 = 2 ** 32;
/** `hi` words below this keep `hi * 2^32 + lo` within Number.MAX_SAFE_INTEGER. */
const SAFE_HI_LIMIT = 0x200000;
const utf8 = new TextDecoder('utf-8');

/**
 * A bounds-checked cursor over protobuf wire-format bytes, limited to `[start, end)` of `bytes`.
 *
 * Every read checks the remaining length first, so truncated or garbage input throws a `ServingError` with code
 * `INVALID_ONNX` (message "malformed protobuf at byte N: …") instead of reading past the end, looping or allocating
 * more than the input size. Length-delimited values are returned as views (`subarray`), never copied.
 *
 * @example
 * const reader = new ProtobufReader(bytes);
 * while (!reader.done()) {
 *   const { field, wireType } = reader.tag();
 *   if (field === 1) name = reader.string(); else reader.skip(wireType);
 * }
 */
export class ProtobufReader {
  pos: number;
  readonly end: number;
  private readonly bytes: Uint8Array;
  private readonly view: DataView;
  private lo = 0;
  private hi = 0;

  constructor(bytes: Uint8Array, start = 0, end = bytes.length) {
    if (start < 0 || end > bytes.length || start > end) throw new RangeError(`bad reader range [${start}, ${end})`);
    this.bytes = bytes;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.pos = start;
    this.end = end;
  }

  /** True when the whole range has been consumed. */
  done(): boolean {
    return this.pos >= this.end;
  }

  /** Throws INVALID_ONNX naming the current byte offset. */
  error(reason: string): never {
    return fail('INVALID_ONNX', `malformed protobuf at byte ${this.pos}: ${reason}`);
  }

  /** Reads a field key. Field number 0 and wire types 3, 4, 6, 7 are refused. */
  tag(): { field: number; wireType: number } {
    this.varint();
    const wireType = this.lo & 7;
    const field = (this.hi * TWO_POW_32 + this.lo - wireType) / 8;
    if (field === 0 || field > 0x1fffffff) this.error(`invalid field number ${field}`);
    if (wireType !== 0 && wireType !== 1 && wireType !== 2 && wireType !== 5) {
      this.error(`unsupported wire type ${wireType} for field ${field}`);
    }
    return { field, wireType };
  }

  /** A varint as an unsigned 32-bit value (used for lengths and enums that must be small). */
  uint32(): number {
    this.varint();
    if (this.hi !== 0) this.error('varint does not fit in 32 bits');
    return this.lo;
  }

  /** An `int32` (negative values are sign-extended to 10 bytes on the wire). */
  int32(): number {
    this.varint();
    return this.lo | 0;
  }

  /** An `int64` as a number when safe, else a bigint. */
  int64(): Int64 {
    this.varint();
    const { lo, hi } = this;
    if (hi < SAFE_HI_LIMIT) return hi * TWO_POW_32 + lo;
    if (hi >= 0x80000000) {
      const negLo = (~lo + 1) >>> 0;
      const negHi = (~hi + (negLo === 0 ? 1 : 0)) >>> 0;
      if (negHi < SAFE_HI_LIMIT) return -(negHi * TWO_POW_32 + negLo);
    }
    return BigInt.asIntN(64, (BigInt(hi) << 32n) | BigInt(lo));
  }

  /** A `uint64` as a number when safe, else a bigint. */
  uint64(): Int64 {
    this.varint();
    if (this.hi < SAFE_HI_LIMIT) return this.hi * TWO_POW_32 + this.lo;
    return (BigInt(this.hi) << 32n) | BigInt(this.lo);
  }

  /** An `int64` that must be a safe integer (versions, dimensions); larger values are refused. */
  safeInt64(what: string): number {
    const value = this.int64();
    if (typeof value === 'bigint') this.error(`${what} ${value} is outside the safe integer range`);
    return value;
  }

  float(): number {
    this.need(4);
    const value = this.view.getFloat32(this.pos, true);
    this.pos += 4;
    return value;
  }

  double(): number {
    this.need(8);
    const value = this.view.getFloat64(this.pos, true);
    this.pos += 8;
    return value;
  }

  /** A length-delimited value as a view into the input (no copy). */
  bytesView(): Uint8Array {
    const length = this.length();
    const view = this.bytes.subarray(this.pos, this.pos + length);
    this.pos += length;
    return view;
  }

  /** A length-delimited UTF-8 string (invalid sequences become U+FFFD). */
  string(): string {
    return utf8.decode(this.bytesView());
  }

  /** A reader over the next length-delimited value, advancing this reader past it. */
  sub(): ProtobufReader {
    const length = this.length();
    const sub = new ProtobufReader(this.bytes, this.pos, this.pos + length);
    this.pos += length;
    return sub;
  }

  /**
   * Reads one or more scalars of a repeated field into `out`, accepting both the packed (length-delimited) and the
   * unpacked encoding, as the protobuf spec requires of parsers.
   */
  repeated<T>(wireType: number, scalarWireType: number, readOne: (reader: ProtobufReader) => T, out: T[]): void {
    if (wireType === WireType.LENGTH_DELIMITED && scalarWireType !== WireType.LENGTH_DELIMITED) {
      const packed = this.sub();
      while (!packed.done()) out.push(readOne(packed));
      return;
    }
    this.expectWireType(wireType, scalarWireType);
    out.push(readOne(this));
  }

  /** Throws unless a known field arrived with the wire type its declaration implies. */
  expectWireType(actual: number, expected: number, name = 'field'): void {
    if (actual !== expected) this.error(`${name} has wire type ${actual}, expected ${expected}`);
  }

  /** Skips a value of an unknown field. */
  skip(wireType: number): void {
    switch (wireType) {
      case WireType.VARINT: this.varint(); return;
      case WireType.FIXED64: this.need(8); this.pos += 8; return;
      case WireType.LENGTH_DELIMITED: this.pos += this.length(); return;
      case WireType.FIXED32: this.need(4); this.pos += 4; return;
      default: this.error(`cannot skip wire type ${wireType}`);
    }
  }

  private need(count: number): void {
    if (this.end - this.pos < count) this.error(`needs ${count} more bytes, only ${this.end - this.pos} left`);
  }

  /** A length prefix, checked against the bytes left in this range. */
  private length(): number {
    const length = this.uint32();
    if (length > this.end - this.pos) this.error(`length ${length} runs past the end (${this.end - this.pos} bytes left)`);
    return length;
  }

  /** Reads a varint of at most 10 bytes into `lo`/`hi` (unsigned 32-bit halves). */
  private varint(): void {
    const { bytes, end } = this;
    let lo = 0;
    let hi = 0;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= end) this.error('varint runs past the end');
      const b = bytes[this.pos++];
      if (i < 4) lo |= (b & 0x7f) << (7 * i);
      else if (i === 4) {
        lo |= (b & 0x0f) << 28;
        hi = (b & 0x7f) >>> 4;
      } else hi |= (b & 0x7f) << (7 * i - 32);
      if (b < 0x80) {
        this.lo = lo >>> 0;
        this.hi = hi >>> 0;
        return;
      }
    }
    this.error('varint longer than 10 bytes');
  }
}
