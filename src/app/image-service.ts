import { fail } from '../core/index.js';
import { resolvePreprocess, topK, type ClassScore } from '../processing/index.js';
import type { AppContext } from './app-context.js';
import { imagesToTensor } from './image-inputs.js';
import type { InferCall, InferenceService } from './inference-service.js';

export interface ImagePredictions {
  model: string;
  version: number;
  queueMs: number;
  computeMs: number;
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

  /** `modelName` is qualified (`tenant/model`, access checked); `scheduling` carries the lane, deadline and trace. */
  async predict(modelName: string, version: string | undefined, images: Uint8Array[], topk: number, scheduling: Pick<InferCall, 'lane' | 'deadline' | 'trace'> = {}): Promise<ImagePredictions> {
    if (images.length === 0 || images.length > MAX_IMAGES) fail('INVALID_REQUEST', `Send from 1 to ${MAX_IMAGES} images.`);
    const resolved = this.inference.resolve(modelName, version);
    const settings = resolvePreprocess(resolved.model.preprocess, resolved.version.inputs);
    const tensor = await imagesToTensor(this.context, images, settings);
    const output = resolved.version.outputs[0]?.name ?? fail('IMAGE_INPUT_UNSUPPORTED', 'The model has no output to read classes from.');
    const outcome = await this.inference.infer({
      model: modelName, version: String(resolved.version.version), inputs: [tensor], outputs: [{ name: output }], ...scheduling,
    });
    return { model: outcome.model, version: outcome.version, queueMs: outcome.queueMs, computeMs: outcome.computeMs, predictions: topK(outcome.outputs[0], topk, resolved.model.labels, settings.activation) };
  }
}
