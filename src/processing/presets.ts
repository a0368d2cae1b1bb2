import type { PreprocessFields, PresetName, Triple } from './preprocess-settings.js';

const pair = (height: number, width: number): readonly [number, number] => Object.freeze([height, width] as [number, number]);
const triple = (a: number, b: number, c: number): Triple => Object.freeze([a, b, c] as [number, number, number]);

/**
 * Keras `preprocess_input(mode='caffe')`, used by VGG16/VGG19 and ResNet50 (v1): RGB→BGR, then subtract the
 * ImageNet mean per BGR channel, no scaling. Sizing follows `load_img(path, target_size=(224, 224))`: stretch with
 * nearest neighbour.
 *
 *     B' = B − 103.939    G' = G − 116.779    R' = R − 123.68       (raw 0..255)
 */
const CAFFE: PreprocessFields = Object.freeze({
  size: pair(224, 224),
  resize: 'stretch',
  kernel: 'nearest',
  channelOrder: 'BGR',
  scale: 1,
  mean: triple(103.939, 116.779, 123.68),
  std: triple(1, 1, 1),
});

/**
 * The preprocessing recipes of well-known model families, as plain frozen objects. Stored settings override any
 * field; fixed dimensions of the model signature override `size`.
 *
 * - `vgg`, `caffe`: see `CAFFE` above.
 * - `tf` — Keras `mode='tf'` (MobileNet, Inception, Xception): x / 127.5 − 1 in RGB, 224×224 stretch, bilinear.
 * - `torch` — torchvision ImageNet: shorter side to 256 (bilinear), centre crop 224×224, then
 *   (x / 255 − [0.485, 0.456, 0.406]) / [0.229, 0.224, 0.225] in RGB.
 * - `paddle-cls` — PaddleOCR's text-orientation classifier (`resize_norm_img`): the image read as BGR (cv2), height
 *   48, width min(192, ceil(48·w/h)) bilinear, (x / 255 − 0.5) / 0.5, then zero columns on the right up to 192.
 *
 * @example PRESETS.torch.mean // [0.485, 0.456, 0.406]
 */
export const PRESETS: Readonly<Record<PresetName, PreprocessFields>> = Object.freeze({
  vgg: CAFFE,
  caffe: CAFFE,
  tf: Object.freeze({
    size: pair(224, 224),
    resize: 'stretch',
    kernel: 'linear',
    channelOrder: 'RGB',
    scale: 1 / 127.5,
    mean: triple(1, 1, 1),
    std: triple(1, 1, 1),
  }),
  torch: Object.freeze({
    size: pair(224, 224),
    resize: 'center-crop',
    resizeShorter: 256,
    kernel: 'linear',
    channelOrder: 'RGB',
    scale: 1 / 255,
    mean: triple(0.485, 0.456, 0.406),
    std: triple(0.229, 0.224, 0.225),
  }),
  'paddle-cls': Object.freeze({
    size: pair(48, 192),
    resize: 'keep-ratio-pad',
    kernel: 'linear',
    channelOrder: 'BGR',
    scale: 1 / 255,
    mean: triple(0.5, 0.5, 0.5),
    std: triple(0.5, 0.5, 0.5),
  }),
});

/** The preset names, for validation messages and documentation. */
export const PRESET_NAMES: readonly PresetName[] = Object.freeze(['vgg', 'caffe', 'tf', 'torch', 'paddle-cls']);
