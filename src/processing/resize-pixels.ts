import sharp, { type Sharp } from 'sharp';
import { fail } from '../core/index.js';
import type { DecodedImage } from './decode-image.js';
import type { PreprocessSettings } from './preprocess-settings.js';

/** Resized 8-bit RGB pixels. `height` is the target height; `width` is the target width except for
 *  `keep-ratio-pad`, where it is the width of the content (the rest of the row is padding). */
export interface ResizedImage {
  width: number;
  height: number;
  data: Uint8Array;
}

export type ResizeSettings = Pick<PreprocessSettings, 'size' | 'resize' | 'resizeShorter' | 'kernel'>;

/**
 * Resizes decoded pixels to `settings.size` ([height, width]) by `settings.resize` (see `ResizeMode`), with sharp
 * on the libuv thread pool. Crops and letterboxes are centred; a torchvision-style crop (`resizeShorter`) uses
 * torchvision's arithmetic: the longer side becomes floor(shorter · long / short), the crop offset
 * round-half-even((resized − target) / 2).
 *
 * @example await resizePixels(image, { size: [224, 224], resize: 'stretch', resizeShorter: undefined, kernel: 'nearest' })
 */
export async function resizePixels(image: DecodedImage, settings: ResizeSettings): Promise<ResizedImage> {
  const [height, width] = settings.size;
  const { kernel } = settings;
  let pipeline = sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } });
  switch (settings.resize) {
    case 'stretch':
      pipeline = pipeline.resize({ width, height, fit: 'fill', kernel });
      break;
    case 'center-crop':
      pipeline = settings.resizeShorter === undefined
        ? pipeline.resize({ width, height, fit: 'cover', position: 'centre', kernel })
        : shorterSideCrop(pipeline, image, settings.resizeShorter, [height, width], kernel);
      break;
    case 'letterbox':
      pipeline = pipeline.resize({ width, height, fit: 'contain', position: 'centre', background: { r: 0, g: 0, b: 0 }, kernel });
      break;
    case 'keep-ratio-pad':
      pipeline = pipeline.resize({ width: keepRatioWidth(image, height, width), height, fit: 'fill', kernel });
      break;
  }
  const { data, info } = await pipeline.raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
  if (info.channels !== 3 || info.height !== height || info.width > width) {
    fail('INTERNAL', `Resizing gave ${info.width}×${info.height}×${info.channels}, expected ${width}×${height}×3.`);
  }
  return { width: info.width, height: info.height, data };
}

/**
 * PaddleOCR's `resize_norm_img` width: min(W, ceil(H · (w / h))), computed in that order so the floating-point
 * result matches Python's.
 */
export function keepRatioWidth(image: { width: number; height: number }, height: number, width: number): number {
  return Math.min(width, Math.ceil(height * (image.width / image.height)));
}

function shorterSideCrop(
  pipeline: Sharp, image: DecodedImage, shorter: number, [height, width]: readonly [number, number], kernel: ResizeSettings['kernel'],
): Sharp {
  const wide = image.width > image.height;
  const long = Math.floor((shorter * (wide ? image.width : image.height)) / (wide ? image.height : image.width));
  const [resizedWidth, resizedHeight] = wide ? [long, shorter] : [shorter, long];
  return pipeline
    .resize({ width: resizedWidth, height: resizedHeight, fit: 'fill', kernel })
    .extract({
      left: roundHalfEven((resizedWidth - width) / 2),
      top: roundHalfEven((resizedHeight - height) / 2),
      width,
      height,
    });
}

/** Python's round(): halves go to the even neighbour. */
function roundHalfEven(value: number): number {
  const floor = Math.floor(value);
  const fraction = value - floor;
  if (fraction !== 0.5) return Math.round(value);
  return floor % 2 === 0 ? floor : floor + 1;
}
