import { fail, type Tensor } from '../core/index.js';
import { imageToTensor, resolvePreprocess, type PreprocessSettings } from '../processing/index.js';
import type { ModelRecord, VersionRecord } from '../registry/index.js';
import type { AppContext } from './app-context.js';

/** Decodes and preprocesses a batch, after checking the tensor it makes stays within the element limit. */
export function imagesToTensor(context: AppContext, images: Uint8Array[], settings: PreprocessSettings): Promise<Tensor> {
  const elements = images.length * settings.channels * settings.size[0] * settings.size[1];
  if (elements > context.options.maxTensorElements) {
    fail('TENSOR_TOO_LARGE', `${images.length} image(s) at ${settings.size.join('×')} make ${elements} elements; the limit is ${context.options.maxTensorElements}.`);
  }
  return imageToTensor(images, settings, context.options.maxImagePixels);
}

/**
 * The v2 path for image models: an input sent as BYTES where the signature wants an image tensor holds encoded
 * images (shape [N]); they are decoded and preprocessed like /predictions does. Other inputs pass through.
 */
export async function expandImageInputs(context: AppContext, model: ModelRecord, version: VersionRecord, inputs: Tensor[]): Promise<Tensor[]> {
  if (model.task !== 'image-classification' || !inputs.some((input) => input.datatype === 'BYTES')) return inputs;
  const settings = resolvePreprocess(model.preprocess, version.inputs);
  return Promise.all(inputs.map(async (input) => {
    if (input.name !== settings.input || input.datatype !== 'BYTES') return input;
    if (input.shape.length !== 1) fail('SHAPE_MISMATCH', `Input "${input.name}": send encoded images as BYTES of shape [N].`);
    return imagesToTensor(context, input.data as Uint8Array[], settings);
  }));
}
