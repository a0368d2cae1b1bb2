import sharp, { type Metadata } from 'sharp';
import { fail, isServingError } from '../core/index.js';
import { isErrorCode } from '../protocol/index.js';
import { IMAGE_FORMATS, leadingBytes, sniffImageFormat, type ImageFormat } from './sniff-image-format.js';

export interface DecodeImageOptions {
  /** Largest width × height × pages accepted; checked from the header before any pixel is decoded. */
  maxPixels: number;
}

/** Decoded pixels: 8-bit sRGB, 3 channels interleaved (RGBRGB…), row-major, upright. */
export interface DecodedImage {
  format: ImageFormat;
  width: number;
  height: number;
  data: Uint8Array;
}

/**
 * Decodes JPEG, PNG, WebP, GIF or TIFF bytes to 8-bit sRGB pixels, the way Keras `load_img` reads an image (PIL
 * `convert('RGB')`): alpha is dropped (not composited), greyscale, palette, CMYK and 16-bit images become 3 × 8-bit
 * sRGB. The EXIF orientation is applied. GIF and TIFF give their first frame/page.
 *
 * Order of checks: magic bytes (other formats never reach sharp), then the header (width × height × pages above
 * `maxPixels` → `IMAGE_TOO_LARGE`, before any pixel memory exists), then decoding with sharp's own
 * `limitInputPixels` and `failOn: 'error'` (truncated or corrupt data → `INVALID_IMAGE` quoting the decoder).
 * sharp runs on libuv's thread pool: nothing here blocks the event loop.
 *
 * @example
 * const image = await decodeImage(pngBytes, { maxPixels: 40_000_000 });
 * // → { format: 'png', width: 640, height: 480, data: Uint8Array(921600) }
 */
export async function decodeImage(bytes: Uint8Array, options: DecodeImageOptions): Promise<DecodedImage> {
  const { maxPixels } = options;
  if (!Number.isSafeInteger(maxPixels) || maxPixels < 1) {
    fail('INTERNAL', `decodeImage: maxPixels must be a positive integer, got ${maxPixels}.`);
  }
  const format = sniffImageFormat(bytes) ?? fail('INVALID_IMAGE',
    `The bytes (starting ${leadingBytes(bytes)}) are not an image in a supported format (${IMAGE_FORMATS.join(', ')}).`);
  const metadata = await readMetadata(bytes, format);
  checkPixels(metadata, maxPixels);
  try {
    const { data, info } = await sharp(bytes, { limitInputPixels: maxPixels, failOn: 'error', pages: 1, page: 0 })
      .rotate()
      .removeAlpha()
      .toColourspace('srgb')
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) fail('INVALID_IMAGE', `The ${format} image decoded to ${info.channels} channels, not 3.`);
    return { format, width: info.width, height: info.height, data };
  } catch (error) {
    return decodeFailure(error, format);
  }
}

/** Header only: `limitInputPixels: false` so the size check below can name the dimensions. */
async function readMetadata(bytes: Uint8Array, format: ImageFormat): Promise<Metadata> {
  let metadata: Metadata;
  try {
    metadata = await sharp(bytes, { limitInputPixels: false, failOn: 'error' }).metadata();
  } catch (error) {
    return decodeFailure(error, format);
  }
  if (metadata.format !== format) {
    fail('INVALID_IMAGE', `The bytes start like ${format} but decode as ${metadata.format ?? 'nothing'}: send a plain ${format} file.`);
  }
  return metadata;
}

function checkPixels(metadata: Metadata, maxPixels: number): void {
  const { width, height } = metadata;
  const pages = metadata.pages ?? 1;
  if (!(width >= 1 && height >= 1)) fail('INVALID_IMAGE', `The ${metadata.format} header declares a size of ${width}×${height}.`);
  if (width * height * pages > maxPixels) {
    const frames = pages > 1 ? ` × ${pages} frames` : '';
    fail('IMAGE_TOO_LARGE', `The image is ${width}×${height}${frames} pixels, more than the limit of ${maxPixels}: send a smaller image.`);
  }
}

function decodeFailure(error: unknown, format: ImageFormat): never {
  if (isServingError(error) && isErrorCode(error.code)) throw error;
  const message = error instanceof Error ? error.message : String(error);
  if (/exceeds pixel limit/i.test(message)) fail('IMAGE_TOO_LARGE', `The ${format} image has more pixels than the limit: send a smaller image.`);
  const first = message.split('\n').map((line) => line.trim()).find((line) => line.length > 0) ?? 'unknown error';
  const trimmed = first.length > 200 ? `${first.slice(0, 197)}...` : first;
  fail('INVALID_IMAGE', `The ${format} image could not be decoded (${trimmed}): send a complete, valid file.`);
}
