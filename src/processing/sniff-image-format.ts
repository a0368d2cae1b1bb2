/** The image formats tessera decodes. Others (SVG, HEIF/AVIF, PDF, camera raw, …) are refused. */
export type ImageFormat = 'jpeg' | 'png' | 'webp' | 'gif' | 'tiff';

export const IMAGE_FORMATS: readonly ImageFormat[] = Object.freeze(['jpeg', 'png', 'webp', 'gif', 'tiff']);

/** Leading bytes of each format; `undefined` entries match any byte. */
const SIGNATURES: ReadonlyArray<readonly [ImageFormat, ReadonlyArray<number | undefined>]> = Object.freeze([
  ['jpeg', [0xff, 0xd8, 0xff]],
  ['png', [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]],
  ['gif', [0x47, 0x49, 0x46, 0x38, 0x37, 0x61]], // GIF87a
  ['gif', [0x47, 0x49, 0x46, 0x38, 0x39, 0x61]], // GIF89a
  // RIFF <size> WEBP
  ['webp', [0x52, 0x49, 0x46, 0x46, undefined, undefined, undefined, undefined, 0x57, 0x45, 0x42, 0x50]],
  ['tiff', [0x49, 0x49, 0x2a, 0x00]], // II*\0, little-endian
  ['tiff', [0x4d, 0x4d, 0x00, 0x2a]], // MM\0*, big-endian
  ['tiff', [0x49, 0x49, 0x2b, 0x00]], // BigTIFF, little-endian
  ['tiff', [0x4d, 0x4d, 0x00, 0x2b]], // BigTIFF, big-endian
]);

/**
 * The format of an image from its first bytes (magic numbers), or `undefined` when it is none of `IMAGE_FORMATS`.
 * Sniffing before sharp sees the bytes keeps the loaders of other formats (librsvg, libheif, poppler, …) out of
 * reach of uploaded data.
 *
 * @example sniffImageFormat(new Uint8Array([0xff, 0xd8, 0xff, 0xe0])) // 'jpeg'
 */
export function sniffImageFormat(bytes: Uint8Array): ImageFormat | undefined {
  for (const [format, signature] of SIGNATURES) {
    if (bytes.length >= signature.length && signature.every((byte, i) => byte === undefined || bytes[i] === byte)) {
      return format;
    }
  }
  return undefined;
}

/** The first bytes as hex, for error messages: `'3c 73 76 67 …'`. */
export function leadingBytes(bytes: Uint8Array, count = 8): string {
  const hex = Array.from(bytes.subarray(0, count), (byte) => byte.toString(16).padStart(2, '0')).join(' ');
  return bytes.length > count ? `${hex} …` : hex || '(empty)';
}
