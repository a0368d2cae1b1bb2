import { fail, type TensorMetadata } from '../core/index.js';
import { findImageInput } from './find-image-input.js';
import { parsePreprocessFields } from './parse-preprocess-fields.js';
import { PRESETS } from './presets.js';

export type PresetName = 'vgg' | 'caffe' | 'tf' | 'torch' | 'paddle-cls';
/**
 * How an image of any size becomes `size`:
 * - `stretch`: scale both axes to `size` (aspect ratio lost; Keras `load_img(target_size=…)`).
 * - `center-crop`: scale to cover `size` keeping the ratio, crop the centre. With `resizeShorter`, first scale the
 *   shorter side to `resizeShorter`, then crop the centre (torchvision `Resize(256)` + `CenterCrop(224)`).
 * - `letterbox`: scale to fit inside `size` keeping the ratio, centre it on black (raw 0) pixels, which are then
 *   normalized like the image.
 * - `keep-ratio-pad`: scale to height H keeping the ratio, width min(W, ceil(H·w/h)), left-aligned; the columns to
 *   the right stay 0 in the tensor (padding after normalization, as PaddleOCR's classifier does).
 */
export type ResizeMode = 'stretch' | 'center-crop' | 'letterbox' | 'keep-ratio-pad';
/** sharp resampling kernels; `linear` is bilinear. */
export type ResizeKernel = 'nearest' | 'linear' | 'cubic' | 'lanczos3';
export type ChannelOrder = 'RGB' | 'BGR';
export type ImageLayout = 'NCHW' | 'NHWC';
/** Applied to classifier outputs before top-k (`'none'`: the model already ends in softmax). */
export type Activation = 'none' | 'softmax' | 'sigmoid';
export type Triple = readonly [number, number, number];

/**
 * Resolved image preprocessing of one model: every field set, frozen. Per pixel and tensor channel c:
 *
 *     tensor[c] = (raw[source(c)] × scale − mean[c]) / std[c]
 *
 * where raw is the 0..255 sRGB byte and source(c) is c for `RGB` and 2 − c for `BGR`: `mean` and `std` are listed in
 * the tensor's channel order (for a BGR model the first entry belongs to blue). A one-channel model gets Pillow's
 * luma L = (19595·R + 38470·G + 7471·B + 32768) >> 16 and uses mean[0], std[0].
 */
export interface PreprocessSettings {
  readonly preset: PresetName | undefined;
  /** Name of the model input the image fills. */
  readonly input: string;
  readonly layout: ImageLayout;
  /** Channels of the image input, from the signature (3 when the dimension is variable). */
  readonly channels: 1 | 3;
  /** [height, width] of the tensor; fixed dimensions of the signature win over the stored value. */
  readonly size: readonly [number, number];
  readonly resize: ResizeMode;
  readonly resizeShorter: number | undefined;
  readonly kernel: ResizeKernel;
  readonly channelOrder: ChannelOrder;
  readonly scale: number;
  readonly mean: Triple;
  readonly std: Triple;
  readonly activation: Activation;
}

/** The settings as a model stores them (and as presets define them): every field optional. */
export type PreprocessFields = Partial<Omit<PreprocessSettings, 'channels'>>;

/** Used when neither the stored settings nor the preset set a field: raw 0..255 RGB, 224×224, stretch, nearest. */
export const PREPROCESS_DEFAULTS = Object.freeze({
  size: Object.freeze([224, 224]) as readonly [number, number],
  resize: 'stretch',
  kernel: 'nearest',
  channelOrder: 'RGB',
  scale: 1,
  mean: Object.freeze([0, 0, 0]) as Triple,
  std: Object.freeze([1, 1, 1]) as Triple,
  activation: 'none',
} as const);

/**
 * Validates a model's stored preprocessing settings against its signature and fills the gaps. Precedence: fixed
 * signature dimensions (for `size`) > stored fields > the preset's fields > `PREPROCESS_DEFAULTS`. `layout` is read
 * from the signature when absent: dimension 1 of 3 or 1 means NCHW, else a last dimension of 3 or 1 means NHWC.
 *
 * Throws `INVALID_REQUEST` for an unknown key or a bad value (the message names it) and `IMAGE_INPUT_UNSUPPORTED`
 * when the image input is not FP32 of rank 4 with 1 or 3 channels.
 *
 * @example
 * resolvePreprocess({ preset: 'torch' }, [{ name: 'input', datatype: 'FP32', shape: [-1, 3, 224, 224] }]);
 * // → { input: 'input', layout: 'NCHW', size: [224, 224], resize: 'center-crop', resizeShorter: 256, scale: 1/255, … }
 */
export function resolvePreprocess(stored: Record<string, unknown>, signature: readonly TensorMetadata[]): PreprocessSettings {
  const fields = parsePreprocessFields(stored);
  const preset: PreprocessFields = fields.preset === undefined ? {} : PRESETS[fields.preset];
  const merged = { ...PREPROCESS_DEFAULTS, ...preset, ...fields };
  const image = findImageInput(signature, merged.input, merged.layout);
  const size: [number, number] = [
    image.height > 0 ? image.height : merged.size[0],
    image.width > 0 ? image.width : merged.size[1],
  ];
  const resizeShorter = fields.resizeShorter ?? presetResizeShorter(preset, merged.resize, size);
  checkResizeShorter(merged.resize, resizeShorter, size);
  return Object.freeze({
    preset: fields.preset,
    input: image.name,
    layout: image.layout,
    channels: image.channels,
    size: Object.freeze(size),
    resize: merged.resize,
    resizeShorter,
    kernel: merged.kernel,
    channelOrder: merged.channelOrder,
    scale: merged.scale,
    mean: merged.mean,
    std: merged.std,
    activation: merged.activation,
  });
}

/**
 * A preset's `resizeShorter` keeps its crop ratio when the signature fixes another size (torch: 256/224, so a
 * 384×384 model gets 438, as timm's `crop_pct` does), and is dropped when the stored settings pick another resize.
 */
function presetResizeShorter(preset: PreprocessFields, resize: ResizeMode, size: readonly [number, number]): number | undefined {
  if (preset.resizeShorter === undefined || preset.size === undefined || resize !== 'center-crop') return undefined;
  const target = Math.max(size[0], size[1]);
  return Math.floor((target * preset.resizeShorter) / Math.max(preset.size[0], preset.size[1]));
}

function checkResizeShorter(resize: ResizeMode, shorter: number | undefined, size: readonly [number, number]): void {
  if (shorter === undefined) return;
  if (resize !== 'center-crop') {
    fail('INVALID_REQUEST', `Preprocessing setting "resizeShorter" only applies to resize "center-crop", not "${resize}": remove it or change "resize".`);
  }
  if (shorter < Math.max(size[0], size[1])) {
    fail('INVALID_REQUEST', `Preprocessing setting "resizeShorter" (${shorter}) is smaller than the crop ${size[0]}×${size[1]}: set it to at least ${Math.max(size[0], size[1])}.`);
  }
}
