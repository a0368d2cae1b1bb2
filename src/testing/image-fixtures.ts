import sharp from 'sharp';

/**
 * A decompression-bomb fixture: a real 1×1 PNG whose header claims `width × height` (the IHDR fields patched and
 * their CRC recomputed), so a decoder that trusts the header would allocate width × height × channels bytes.
 */
export async function pngDeclaringSize(width: number, height: number): Promise<Uint8Array> {
  const png = Buffer.from(await sharp({ create: { width: 1, height: 1, channels: 3, background: '#000' } }).png().toBuffer());
  png.writeUInt32BE(width, 16);
  png.writeUInt32BE(height, 20);
  png.writeUInt32BE(crc32(png.subarray(12, 29)), 29); // CRC over "IHDR" + its 13 data bytes
  return new Uint8Array(png);
}

function crc32(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of bytes) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = (crc >>> 1) ^ (0xedb88320 & -(crc & 1));
  }
  return (crc ^ 0xffffffff) >>> 0;
}
