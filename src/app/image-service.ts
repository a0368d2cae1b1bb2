import { fail, type Tensor } from '../core/index.js';
import { imageToTensor, resolvePreprocess, topK, type ClassScore, type PreprocessSettings } from '../processing/index.js';
import type { ModelRecord, VersionRecord } from '../registry/index.js';
import type { AppContext } from './app-context.js';
import type { InferenceService } from './inference-service.js';

export interface ImagePredictions {
  model: string;
  version: number;
  /** One list per image, best first. */
  predictions: ClassScore[][];
}

const MAX_IMAGES = 64;

/**
 * Image classification as a service: encoded images in, top-k labels out. The model's stored preprocessing
 * settings (or preset) turn the images into one batched tensor; the run goes through the ordinary inference path,
 * so statistics, metrics and worker isolation are the same as for v2 requests.
 */
export class ImageService {
  constructor(private readonly context: AppContext, private readonly inference: InferenceService) {}

  async predict(modelName: string, version: string | undefined, images: Uint8Array[], topk: number): Promise<ImagePredictions> {
    if (images.length === 0 || images.length > MAX_IMAGES) fail('INVALID_REQUEST', `Send from 1 to ${MAX_IMAGES} images.`);
    const resolved = this.inference.resolve(modelName, version);
    const settings = resolvePreprocess(resolved.model.preprocess, resolved.version.inputs);
    const tensor = await this.toTensor(images, settings);
    const output = resolved.version.outputs[0]?.name ?? fail('IMAGE_INPUT_UNSUPPORTED', 'The model has no output to read classes from.');
    const outcome = await this.inference.infer({
      model: modelName, version: String(resolved.version.version), inputs: [tensor], outputs: [{ name: output }],
    });
    return { model: outcome.model, version: outcome.version, predictions: topK(outcome.outputs[0], topk, resolved.model.labels, settings.activation) };
  }

  /**
   * The v2 path for image models: an input sent as BYTES where the signature wants an image tensor holds encoded
   * images (shape [N]); they are decoded and preprocessed like /predictions does. Other inputs pass through.
   */
  async expandImageInputs(model: ModelRecord, version: VersionRecord, inputs: Tensor[]): Promise<Tensor[]> {
    if (model.task !== 'image-classification' || !inputs.some((input) => input.datatype === 'BYTES')) return inputs;
    const settings = resolvePreprocess(model.preprocess, version.inputs);
    return Promise.all(inputs.map(async (input) => {
      if (input.name !== settings.input || input.datatype !== 'BYTES') return input;
      if (input.shape.length !== 1) fail('SHAPE_MISMATCH', `Input "${input.name}": send encoded images as BYTES of shape [N].`);
      return this.toTensor(input.data as Uint8Array[], settings);
    }));
  }

  /** Decodes and preprocesses a batch, after checking the tensor it makes stays within the element limit. */
  private toTensor(images: Uint8Array[], settings: PreprocessSettings): Promise<Tensor> {
    const elements = images.length * settings.channels * settings.size[0] * settings.size[1];
    if (elements > this.context.options.maxTensorElements) {
      fail('TENSOR_TOO_LARGE', `${images.length} image(s) at ${settings.size.join('×')} make ${elements} elements; the limit is ${this.context.options.maxTensorElements}.`);
    }
    return imageToTensor(images, settings, this.context.options.maxImagePixels);
  }
}
