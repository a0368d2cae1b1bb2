/**
 * Encodes text fields as a byte string that cannot be read two ways: each field is its UTF-8 byte length (u32 big
 * endian) followed by the bytes. Used for every AAD, so ("ab", "c") and ("a", "bc") never authenticate alike.
 *
 * @example lengthPrefixed(['tessera-dek', '1']) // → 00 00 00 0b 't' 'e' … 00 00 00 01 '1'
 */
export function lengthPrefixed(fields: readonly string[]): Buffer {
  const parts: Buffer[] = [];
  for (const field of fields) {
    const bytes = Buffer.from(field, 'utf8');
    const length = Buffer.alloc(4);
    length.writeUInt32BE(bytes.byteLength);
    parts.push(length, bytes);
  }
  return Buffer.concat(parts);
}
