import { TensorDataType, type NodeProto, type TensorProto } from '../optimizer/index.js';
import {
  encodeGraphModel, floatAttribute, intAttribute, intsAttribute, makeFloatTensor, makeNode, makeTensorValueInfo,
  randomWeights, seededRandom,
} from './onnx-parts.js';

/**
 * Image models built in code: a VGG16-shaped classifier laid out like a Keras export (NHWC in, NHWC flatten), and
 * two tiny models that expose exactly what an image preprocessor fed them (an echo and per-channel means).
 */

const { FLOAT } = TensorDataType;

/** Layout of an image tensor: channels first ([N, 3, H, W]) or channels last ([N, H, W, 3]). */
export type ImageLayout = 'NCHW' | 'NHWC';

export interface VggShapedModelOptions {
  /** Output classes (default 1000, as ImageNet). */
  classes?: number;
  /** Filters of the five conv blocks (default [4, 8, 8, 16, 16]; real VGG16 has [64, 128, 256, 512, 512]). */
  widths?: readonly [number, number, number, number, number];
  /** Units of the two hidden dense layers (default 32; real VGG16 has 4096). */
  dense?: number;
  /** Weight seed (default 1). */
  seed?: number;
}

/** Convolutions per block in VGG16. */
const VGG_BLOCK_CONVS = [2, 2, 3, 3, 3] as const;
/** Input side; five 2×2 poolings leave 224 / 32 = 7. */
const VGG_SIDE = 224;
const VGG_FINAL_SIDE = 7;
/** Side of the calibration images the convolutions are normalised on (a multiple of 32, small for speed). */
const CALIBRATION_SIDE = 96;
/** Standard deviation of the logits over the calibration images: a softmax peaked enough to rank, never one-hot. */
const LOGIT_SPREAD = 3;
/** Mean and variance of max(0, z) for z ~ N(0, 1). */
const RELU_MEAN = 1 / Math.sqrt(2 * Math.PI);
const RELU_VARIANCE = 0.5 - RELU_MEAN ** 2;

interface ConvLayer { name: string; inChannels: number; outChannels: number; kernel: Float32Array; bias: Float32Array }
interface DenseLayer { name: string; inputs: number; units: number; kernel: Float32Array; bias: Float32Array }
/** A CHW feature map. */
interface FeatureMap { channels: number; side: number; data: Float32Array }

/** `count` values uniform in [-limit, limit): He initialisation when limit = √(6 / fanIn). */
function heWeights(random: () => number, count: number, fanIn: number): Float32Array {
  return randomWeights(random, count, Math.sqrt(6 / fanIn));
}

/** Conv 3×3, pads 1, stride 1, on one CHW map (no activation). */
function conv3x3(input: FeatureMap, layer: ConvLayer): FeatureMap {
  const { side, data } = input;
  const plane = side * side;
  const out = new Float32Array(layer.outChannels * plane);
  for (let o = 0; o < layer.outChannels; o++) {
    out.fill(layer.bias[o], o * plane, (o + 1) * plane);
    for (let c = 0; c < layer.inChannels; c++) {
      for (let tap = 0; tap < 9; tap++) {
        const weight = layer.kernel[(o * layer.inChannels + c) * 9 + tap];
        const dy = Math.floor(tap / 3) - 1;
        const dx = (tap % 3) - 1;
        for (let y = Math.max(0, -dy); y < Math.min(side, side - dy); y++) {
          const outRow = o * plane + y * side;
          const inRow = c * plane + (y + dy) * side + dx;
          for (let x = Math.max(0, -dx); x < Math.min(side, side - dx); x++) out[outRow + x] += weight * data[inRow + x];
        }
      }
    }
  }
  return { channels: layer.outChannels, side, data: out };
}

function relu(map: FeatureMap): FeatureMap {
  return { ...map, data: map.data.map((value) => Math.max(0, value)) };
}

function maxPool2x2(map: FeatureMap): FeatureMap {
  const { channels, side, data } = map;
  const half = side / 2;
  const out = new Float32Array(channels * half * half);
  for (let c = 0; c < channels; c++) {
    for (let y = 0; y < half; y++) {
      for (let x = 0; x < half; x++) {
        const i = c * side * side + 2 * y * side + 2 * x;
        out[(c * half + y) * half + x] = Math.max(data[i], data[i + 1], data[i + side], data[i + side + 1]);
      }
    }
  }
  return { channels, side: half, data: out };
}

/** Per-channel mean and variance over every position of every map. */
function channelStats(maps: readonly FeatureMap[]): { mean: Float64Array; variance: Float64Array } {
  const channels = maps[0].channels;
  const mean = new Float64Array(channels);
  const variance = new Float64Array(channels);
  for (let c = 0; c < channels; c++) {
    let sum = 0; let squares = 0; let count = 0;
    for (const { side, data } of maps) {
      for (let i = c * side * side; i < (c + 1) * side * side; i++) { sum += data[i]; squares += data[i] * data[i]; count++; }
    }
    mean[c] = sum / count;
    variance[c] = Math.max(squares / count - mean[c] ** 2, 1e-6);
  }
  return { mean, variance };
}

/**
 * Calibration images in the VGG-preprocessed range (CHW, side × side): uniform noise, and flat-coloured discs
 * on a coloured background with a little noise (image-like: large smooth regions and edges).
 */
function calibrationImages(random: () => number, side: number): FeatureMap[] {
  const pixel = () => random() * 275 - 125;
  const noise: FeatureMap = { channels: 3, side, data: Float32Array.from({ length: 3 * side * side }, pixel) };
  const discs = (): FeatureMap => {
    const background = [pixel(), pixel(), pixel()];
    const shapes = Array.from({ length: 6 }, () => ({
      x: random() * side, y: random() * side, radius: side * (0.05 + random() * 0.25), colour: [pixel(), pixel(), pixel()],
    }));
    const data = new Float32Array(3 * side * side);
    for (let y = 0; y < side; y++) {
      for (let x = 0; x < side; x++) {
        const hit = shapes.findLast((shape) => (x - shape.x) ** 2 + (y - shape.y) ** 2 < shape.radius ** 2);
        const colour = hit?.colour ?? background;
        for (let c = 0; c < 3; c++) data[(c * side + y) * side + x] = colour[c] + (random() - 0.5) * 20;
      }
    }
    return { channels: 3, side, data };
  };
  return [noise, discs(), discs()];
}

/**
 * Data-dependent initialisation (Krähenbühl et al., 2016): rescales each convolution so that, over the calibration
 * images, every output channel has mean 0 and variance 1 before its ReLU. Any seed then gives activations of order 1
 * whatever the input range, and no channel is dead or saturated.
 */
function normaliseConvs(layers: readonly ConvLayer[], images: FeatureMap[]): FeatureMap[] {
  let maps = images;
  let layer = 0;
  for (const count of VGG_BLOCK_CONVS) {
    for (let i = 0; i < count; i++, layer++) {
      const conv = layers[layer];
      const outputs = maps.map((map) => conv3x3(map, conv));
      const { mean, variance } = channelStats(outputs);
      for (let o = 0; o < conv.outChannels; o++) {
        const scale = 1 / Math.sqrt(variance[o]);
        for (let k = o * conv.inChannels * 9; k < (o + 1) * conv.inChannels * 9; k++) conv.kernel[k] *= scale;
        conv.bias[o] = (conv.bias[o] - mean[o]) * scale;
        for (const output of outputs) {
          const plane = output.side * output.side;
          for (let p = o * plane; p < (o + 1) * plane; p++) output.data[p] = (output.data[p] - mean[o]) * scale;
        }
      }
      maps = outputs.map(relu);
    }
    maps = maps.map(maxPool2x2);
  }
  return maps;
}

/**
 * The same normalisation for a dense layer, in closed form: with inputs of the given per-input mean and variance
 * (treated as independent), sets every unit's pre-activation mean to 0 and its standard deviation to `spread`.
 */
function normaliseDense(layer: DenseLayer, inputMean: (i: number) => number, inputVariance: (i: number) => number, spread = 1): void {
  for (let j = 0; j < layer.units; j++) {
    let mean = layer.bias[j];
    let variance = 0;
    for (let i = 0; i < layer.inputs; i++) {
      const weight = layer.kernel[i * layer.units + j];
      mean += weight * inputMean(i);
      variance += weight * weight * inputVariance(i);
    }
    const scale = spread / Math.sqrt(Math.max(variance, 1e-12));
    for (let i = 0; i < layer.inputs; i++) layer.kernel[i * layer.units + j] *= scale;
    layer.bias[j] = (layer.bias[j] - mean) * scale;
  }
}

function vggWeights(widths: readonly number[], dense: number, classes: number, seed: number): { convs: ConvLayer[]; denses: DenseLayer[] } {
  const random = seededRandom(seed);
  const convs: ConvLayer[] = [];
  let inChannels = 3;
  VGG_BLOCK_CONVS.forEach((count, block) => {
    for (let i = 1; i <= count; i++) {
      const outChannels = widths[block];
      const fanIn = inChannels * 9;
      convs.push({
        name: `block${block + 1}_conv${i}`, inChannels, outChannels,
        kernel: heWeights(random, outChannels * fanIn, fanIn), bias: new Float32Array(outChannels),
      });
      inChannels = outChannels;
    }
  });
  const features = VGG_FINAL_SIDE * VGG_FINAL_SIDE * inChannels;
  const denseLayer = (name: string, inputs: number, units: number): DenseLayer => ({
    name, inputs, units, kernel: heWeights(random, inputs * units, inputs), bias: randomWeights(random, units, 0.1),
  });
  const denses = [denseLayer('fc1', features, dense), denseLayer('fc2', dense, dense), denseLayer('predictions', dense, classes)];

  const pooled = channelStats(normaliseConvs(convs, calibrationImages(seededRandom(seed ^ 0x5eed), CALIBRATION_SIDE)));
  const channels = inChannels;
  normaliseDense(denses[0], (i) => pooled.mean[i % channels], (i) => pooled.variance[i % channels]);
  normaliseDense(denses[1], () => RELU_MEAN, () => RELU_VARIANCE);
  normaliseDense(denses[2], () => RELU_MEAN, () => RELU_VARIANCE, LOGIT_SPREAD);
  return { convs, denses };
}

/**
 * Keras VGG16's layout with narrow layers, as tf2onnx exports it: `input_1` FP32 NHWC [-1, 224, 224, 3] →
 * Transpose to NCHW → 13 × (Conv 3×3 pads 1 → Relu) in five blocks of 2, 2, 3, 3, 3 convs, each ending with
 * MaxPool 2×2 stride 2 (224 → 7) → Transpose back to NHWC → Flatten (Keras flattens channels last) →
 * `fc1` Gemm(dense) → Relu → `fc2` Gemm(dense) → Relu → `predictions` Gemm(classes) → Softmax →
 * `predictions` FP32 [-1, classes].
 *
 * Weights are He-initialised from `seed`, then normalised on a few synthetic images in the VGG-preprocessed range
 * (BGR minus the ImageNet means, about −125..+150) so that every layer's pre-activations have mean 0 and variance 1
 * and the logits spread by about 3: activations neither vanish nor explode, the softmax is peaked but not one-hot,
 * and different images get different top classes, for any seed. Building takes about 0.2 s; the defaults give a
 * file of about 300 kB.
 *
 * @example const bytes = buildVggShapedModel({ classes: 10 });
 */
export function buildVggShapedModel(options: VggShapedModelOptions = {}): Uint8Array {
  const { classes = 1000, widths = [4, 8, 8, 16, 16], dense = 32, seed = 1 } = options;
  const sizes: Array<[string, number]> = [['classes', classes], ['dense', dense], ...widths.map((w, i): [string, number] => [`widths[${i}]`, w])];
  for (const [name, value] of sizes) {
    if (!Number.isSafeInteger(value) || value < 1) throw new RangeError(`${name} must be a positive integer, got ${value}`);
  }
  if (widths.length !== 5) throw new RangeError(`widths must list the 5 block widths, got ${widths.length}`);
  const { convs, denses } = vggWeights(widths, dense, classes, seed);
  const nodes: NodeProto[] = [makeNode('Transpose', ['input_1'], ['input_1/nchw'], [intsAttribute('perm', [0, 3, 1, 2])])];
  const initializers: TensorProto[] = [];
  let current = 'input_1/nchw';
  let layer = 0;
  VGG_BLOCK_CONVS.forEach((count, block) => {
    for (let i = 0; i < count; i++, layer++) {
      const { name, inChannels, outChannels, kernel, bias } = convs[layer];
      initializers.push(makeFloatTensor(`${name}/kernel`, [outChannels, inChannels, 3, 3], kernel), makeFloatTensor(`${name}/bias`, [outChannels], bias));
      nodes.push(
        makeNode('Conv', [current, `${name}/kernel`, `${name}/bias`], [`${name}/conv`], [
          intsAttribute('kernel_shape', [3, 3]), intsAttribute('pads', [1, 1, 1, 1]), intsAttribute('strides', [1, 1]),
        ], { name }),
        makeNode('Relu', [`${name}/conv`], [`${name}/relu`]),
      );
      current = `${name}/relu`;
    }
    const pool = `block${block + 1}_pool`;
    nodes.push(makeNode('MaxPool', [current], [pool], [intsAttribute('kernel_shape', [2, 2]), intsAttribute('strides', [2, 2])], { name: pool }));
    current = pool;
  });
  nodes.push(
    makeNode('Transpose', [current], [`${current}/nhwc`], [intsAttribute('perm', [0, 2, 3, 1])]),
    makeNode('Flatten', [`${current}/nhwc`], ['flatten'], [intAttribute('axis', 1)], { name: 'flatten' }),
  );
  current = 'flatten';
  for (const { name, inputs, units, kernel, bias } of denses) {
    initializers.push(makeFloatTensor(`${name}/kernel`, [inputs, units], kernel), makeFloatTensor(`${name}/bias`, [units], bias));
    nodes.push(makeNode('Gemm', [current, `${name}/kernel`, `${name}/bias`], [`${name}/dense`], [
      floatAttribute('alpha', 1), floatAttribute('beta', 1), intAttribute('transB', 0),
    ], { name }));
    current = `${name}/dense`;
    if (name !== 'predictions') {
      nodes.push(makeNode('Relu', [current], [`${name}/relu`]));
      current = `${name}/relu`;
    }
  }
  nodes.push(makeNode('Softmax', [current], ['predictions'], [intAttribute('axis', 1)]));
  return encodeGraphModel({
    name: 'vgg16_shaped',
    nodes,
    inputs: [makeTensorValueInfo('input_1', FLOAT, [-1, VGG_SIDE, VGG_SIDE, 3])],
    outputs: [makeTensorValueInfo('predictions', FLOAT, [-1, classes])],
    initializers,
  });
}

export interface ImageEchoModelOptions {
  /** Layout of `image` and `pixels`. */
  layout: ImageLayout;
  /** Image height. */
  height: number;
  /** Image width. */
  width: number;
}

function imageShape(layout: ImageLayout, height: number, width: number): number[] {
  return layout === 'NCHW' ? [-1, 3, height, width] : [-1, height, width, 3];
}

/**
 * `image` FP32 [-1, 3, H, W] (NCHW) or [-1, H, W, 3] (NHWC) → Identity → `pixels` of the same shape: returns exactly
 * what a preprocessor fed it, so a test can check preprocessing numbers end to end through the server.
 *
 * @example const bytes = buildImageEchoModel({ layout: 'NCHW', height: 4, width: 6 });
 */
export function buildImageEchoModel(options: ImageEchoModelOptions): Uint8Array {
  const { layout, height, width } = options;
  for (const [name, value] of [['height', height], ['width', width]] as const) {
    if (!Number.isSafeInteger(value) || value < 1) throw new RangeError(`${name} must be a positive integer, got ${value}`);
  }
  return encodeGraphModel({
    name: `image_echo_${layout.toLowerCase()}`,
    nodes: [makeNode('Identity', ['image'], ['pixels'])],
    inputs: [makeTensorValueInfo('image', FLOAT, imageShape(layout, height, width))],
    outputs: [makeTensorValueInfo('pixels', FLOAT, imageShape(layout, height, width))],
  });
}

/**
 * `image` FP32 with any height and width ([-1, 3, -1, -1] for NCHW, [-1, -1, -1, 3] for NHWC) → ReduceMean over the
 * two spatial axes (keepdims 0) → `channel_means` FP32 [-1, 3]: the mean of each channel, in the input's channel
 * order, whatever size the preprocessor resized to.
 *
 * @example const bytes = buildChannelMeanModel('NHWC');
 */
export function buildChannelMeanModel(layout: ImageLayout): Uint8Array {
  const axes = layout === 'NCHW' ? [2, 3] : [1, 2];
  return encodeGraphModel({
    name: `channel_mean_${layout.toLowerCase()}`,
    nodes: [makeNode('ReduceMean', ['image'], ['channel_means'], [intsAttribute('axes', axes), intAttribute('keepdims', 0)])],
    inputs: [makeTensorValueInfo('image', FLOAT, imageShape(layout, -1, -1))],
    outputs: [makeTensorValueInfo('channel_means', FLOAT, [-1, 3])],
  });
}
