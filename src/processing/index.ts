/**
 * Image preprocessing for image-classification models, and the post-processing of their outputs: decode (sharp),
 * resize, normalize into a batched FP32 tensor; softmax/sigmoid, top-k, labels. The only importer of sharp.
 */
export {
  resolvePreprocess, PREPROCESS_DEFAULTS,
  type PreprocessSettings, type PreprocessFields, type PresetName, type ResizeMode, type ResizeKernel,
  type ChannelOrder, type ImageLayout, type Activation, type Triple,
} from './preprocess-settings.js';
export { PRESETS, PRESET_NAMES } from './presets.js';
export { parsePreprocessFields, MAX_IMAGE_SIDE } from './parse-preprocess-fields.js';
export { findImageInput, type ImageInput } from './find-image-input.js';
export { decodeImage, type DecodeImageOptions, type DecodedImage } from './decode-image.js';
export { sniffImageFormat, IMAGE_FORMATS, type ImageFormat } from './sniff-image-format.js';
export { imageToTensor } from './image-to-tensor.js';
export { softmax, sigmoid, topK, type ClassScore } from './postprocess.js';
export { IMAGENET_LABELS, IMAGENET_CLASS_NAMES } from './imagenet-labels.js';
export { resolveLabels, MAX_LABELS } from './resolve-labels.js';
