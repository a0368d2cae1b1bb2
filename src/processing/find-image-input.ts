import { fail, type TensorMetadata } from '../core/index.js';
import { MAX_IMAGE_SIDE } from './parse-preprocess-fields.js';
import type { ImageLayout } from './preprocess-settings.js';

/** The model input an image fills, with its layout and the fixed sizes of its shape (-1 where variable). */
export interface ImageInput {
  name: string;
  layout: ImageLayout;
  channels: 1 | 3;
  height: number;
  width: number;
}

/**
 * Picks the input that takes the image and reads its layout: `input` when given, else the only input of the
 * signature, else its only FP32 rank-4 input. Without `layout`, a dimension 1 of 3 or 1 means NCHW, else a last
 * dimension of 3 or 1 means NHWC. Throws `IMAGE_INPUT_UNSUPPORTED` with the reason when that input is missing, not
 * FP32, not rank 4, has another channel count, or its layout cannot be told.
 *
 * Other inputs of the signature are not this function's concern: whoever runs the model must supply them.
 *
 * @example findImageInput([{ name: 'x', datatype: 'FP32', shape: [-1, 3, 48, 192] }])
 * // → { name: 'x', layout: 'NCHW', channels: 3, height: 48, width: 192 }
 */
export function findImageInput(signature: readonly TensorMetadata[], input?: string, layout?: ImageLayout): ImageInput {
  const chosen = pickInput(signature, input);
  if (chosen.datatype !== 'FP32' || chosen.shape.length !== 4) {
    unsupported(`input "${chosen.name}" is ${chosen.datatype} ${JSON.stringify(chosen.shape)}, not FP32 of rank 4`);
  }
  const [, d1, d2, d3] = chosen.shape;
  const resolved = layout ?? inferLayout(chosen, d1, d3);
  const [channelDim, height, width] = resolved === 'NCHW' ? [d1, d2, d3] : [d3, d1, d2];
  if (channelDim !== 1 && channelDim !== 3 && channelDim !== -1) {
    unsupported(`input "${chosen.name}" ${JSON.stringify(chosen.shape)} has ${channelDim} channels in ${resolved} layout, not 1 or 3`);
  }
  for (const side of [height, width]) {
    if (side !== -1 && !(Number.isSafeInteger(side) && side >= 1 && side <= MAX_IMAGE_SIDE)) {
      unsupported(`input "${chosen.name}" ${JSON.stringify(chosen.shape)} has an image side of ${side}, not 1 to ${MAX_IMAGE_SIDE}`);
    }
  }
  return { name: chosen.name, layout: resolved, channels: channelDim === 1 ? 1 : 3, height, width };
}

function pickInput(signature: readonly TensorMetadata[], input: string | undefined): TensorMetadata {
  const names = signature.map((meta) => `"${meta.name}"`).join(', ') || 'none';
  if (input !== undefined) {
    return signature.find((meta) => meta.name === input)
      ?? unsupported(`the preprocessing setting "input" names "${input}", but the model's inputs are ${names}`);
  }
  if (signature.length === 1) return signature[0];
  const candidates = signature.filter((meta) => meta.datatype === 'FP32' && meta.shape.length === 4);
  if (candidates.length === 1) return candidates[0];
  return unsupported(candidates.length === 0
    ? `none of its inputs (${names}) is FP32 of rank 4`
    : `several of its inputs (${names}) are FP32 of rank 4; name the image input with the preprocessing setting "input"`);
}

function inferLayout(meta: TensorMetadata, d1: number, d3: number): ImageLayout {
  if (d1 === 3 || d1 === 1) return 'NCHW';
  if (d3 === 3 || d3 === 1) return 'NHWC';
  return unsupported(`the layout of input "${meta.name}" ${JSON.stringify(meta.shape)} cannot be told (no dimension of 1 or 3 channels second or last); set the preprocessing setting "layout"`);
}

function unsupported(reason: string): never {
  fail('IMAGE_INPUT_UNSUPPORTED', `The model cannot take an image: ${reason}.`);
}
