import { fail } from '../core/index.js';
import { IMAGENET_LABELS } from './imagenet-labels.js';

/** The largest label list accepted (ImageNet-21k has 21,843 classes). */
export const MAX_LABELS = 100_000;

/**
 * The class labels of a model from its stored spec: `'imagenet'` names the built-in ImageNet-1k list
 * (`IMAGENET_LABELS`, 1,000 short names), an array is taken as the labels in class-index order. The spec comes from
 * free-form JSON, so anything else — a non-string element, another name, too many entries — throws
 * `INVALID_REQUEST`.
 *
 * @example resolveLabels('imagenet')[0] // 'tench'
 * @example resolveLabels(['0°', '180°'])[1] // '180°'
 */
export function resolveLabels(spec: readonly string[] | 'imagenet'): readonly string[] {
  if (spec === 'imagenet') return IMAGENET_LABELS;
  if (!Array.isArray(spec)) {
    fail('INVALID_REQUEST', `Labels must be "imagenet" or an array of strings, got ${JSON.stringify(spec)?.slice(0, 80)}.`);
  }
  if (spec.length > MAX_LABELS) fail('INVALID_REQUEST', `Labels hold ${spec.length} entries, more than ${MAX_LABELS}.`);
  const bad = spec.findIndex((label) => typeof label !== 'string');
  if (bad !== -1) fail('INVALID_REQUEST', `Label ${bad} must be a string, got ${JSON.stringify(spec[bad])?.slice(0, 80)}.`);
  return Object.freeze([...spec]);
}
