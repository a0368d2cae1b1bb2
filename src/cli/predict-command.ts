import type { ImagePrediction } from '../client/index.js';
import type { CommandGroup } from './command-group.js';
import { expectAtLeast, numberFlag, stringFlag } from './predict-args.js';

const USAGE_LINE = 'tessera predict <model> <image…> [--topk 5] [--version v] [--json]';
const USAGE = `Usage:
  ${USAGE_LINE}

Classifies images (JPEG, PNG, WebP, GIF, TIFF) with an image-classification model; the server decodes, resizes and
normalizes them with the model's preprocessing settings. Several images run as one batch.

Example:
  tessera predict vgg16 cat.jpg --topk 5`;

/** `tessera predict`: top-k labels for one or more image files. */
export const predictCommand: CommandGroup = {
  name: 'predict',
  summary: 'classify image files with an image-classification model (top-k labels)',
  usage: USAGE,
  flags: { topk: 'string', version: 'string' },
  async run(context, positionals, args) {
    const [model, ...images] = expectAtLeast(positionals, 2, USAGE_LINE);
    const topk = numberFlag(args, 'topk', 5);
    const version = stringFlag(args, 'version');
    const predictions = await context.client().predictImage(model, images, { topk, ...(version !== undefined ? { version } : {}) });
    const result = { model, images: images.map((file, i) => ({ file, predictions: predictions[i] })) };
    context.result(result, () => describe(result.images));
    return 0;
  },
};

function describe(images: Array<{ file: string; predictions: ImagePrediction[] }>): string {
  return images.map(({ file, predictions }) => [
    file,
    ...predictions.map((p) => `  ${(p.probability * 100).toFixed(2).padStart(6)} %  ${p.label}  (${p.index})`),
  ].join('\n')).join('\n\n');
}
