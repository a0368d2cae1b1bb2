import { fail, isServingError, ServingError, type Tensor } from '../core/index.js';
import { isErrorCode } from '../protocol/index.js';
import { decodeImage } from './decode-image.js';
import type { PreprocessSettings } from './preprocess-settings.js';
import { resizePixels, type ResizedImage } from './resize-pixels.js';

/**
 * Turns encoded images into one batched FP32 tensor for `settings.input`, shaped [N, C, H, W] (NCHW) or
 * [N, H, W, C] (NHWC), with C = `settings.channels` and [H, W] = `settings.size`.
 *
 * All images are decoded and resized concurrently on sharp's thread pool (see `decodeImage` for the checks and
 * `ResizeMode` for the geometry). Then one pass over the bytes writes, per pixel and tensor channel c,
 * (raw[source(c)] × scale − mean[c]) / std[c], where source(c) = c for RGB and 2 − c for BGR (see
 * `PreprocessSettings`). Columns right of the content of a `keep-ratio-pad` image stay 0 (padding after
 * normalization). An error about one image of a batch names its index.
 *
 * @example
 * const settings = resolvePreprocess({ preset: 'vgg' }, [{ name: 'input_1', datatype: 'FP32', shape: [-1, 224, 224, 3] }]);
 * const tensor = await imageToTensor([jpegBytes], settings, 40_000_000);
 * // → { name: 'input_1', datatype: 'FP32', shape: [1, 224, 224, 3], data: Float32Array(150528) }
 */
export async function imageToTensor(images: readonly Uint8Array[], settings: PreprocessSettings, maxPixels: number): Promise<Tensor> {
  if (images.length === 0) fail('INVALID_REQUEST', 'No image to preprocess: send at least one.');
  const [height, width] = settings.size;
  const { channels } = settings;
  const resized = await Promise.all(images.map(async (bytes, index) => {
    try {
      return await resizePixels(await decodeImage(bytes, { maxPixels }), settings);
    } catch (error) {
      throw images.length > 1 && isServingError(error) && isErrorCode(error.code)
        ? new ServingError(error.code, `Image ${index} of the batch: ${error.message}`, error.details) : error;
    }
  }));
  const perImage = channels * height * width;
  const data = new Float32Array(images.length * perImage);
  const table = normalizationTable(settings);
  resized.forEach((image, n) => {
    const out = data.subarray(n * perImage, (n + 1) * perImage);
    if (channels === 3) writeColour(out, image, settings, table);
    else writeGrey(out, image, settings, table);
  });
  const shape = settings.layout === 'NCHW' ? [images.length, channels, height, width] : [images.length, height, width, channels];
  return { name: settings.input, datatype: 'FP32', shape, data };
}

/** table[c · 256 + v] = (v × scale − mean[c]) / std[c], in float64 then stored as float32. */
function normalizationTable(settings: PreprocessSettings): Float32Array {
  const table = new Float32Array(settings.channels * 256);
  for (let c = 0; c < settings.channels; c++) {
    for (let v = 0; v < 256; v++) table[c * 256 + v] = (v * settings.scale - settings.mean[c]) / settings.std[c];
  }
  return table;
}

function writeColour(out: Float32Array, image: ResizedImage, settings: PreprocessSettings, table: Float32Array): void {
  const [height, width] = settings.size;
  const plane = height * width;
  const nchw = settings.layout === 'NCHW';
  const bgr = settings.channelOrder === 'BGR';
  const src = image.data;
  for (let y = 0; y < image.height; y++) {
    for (let x = 0; x < image.width; x++) {
      const from = (y * image.width + x) * 3;
      const pixel = y * width + x;
      for (let c = 0; c < 3; c++) {
        const value = table[c * 256 + src[from + (bgr ? 2 - c : c)]];
        out[nchw ? c * plane + pixel : pixel * 3 + c] = value;
      }
    }
  }
}

/** One channel: Pillow's convert('L') luma, L = (19595·R + 38470·G + 7471·B + 32768) >> 16. */
function writeGrey(out: Float32Array, image: ResizedImage, settings: PreprocessSettings, table: Float32Array): void {
  const width = settings.size[1];
  const src = image.data;
  for (let y = 0; y < image.height; y++) {
    for (let x = 0; x < image.width; x++) {
      const from = (y * image.width + x) * 3;
      const luma = (src[from] * 19595 + src[from + 1] * 38470 + src[from + 2] * 7471 + 0x8000) >> 16;
      out[y * width + x] = table[luma];
    }
  }
}
