import { TensorDataType, datatypeToOnnxElemType } from '../optimizer/index.js';
import type { Datatype } from '../protocol/index.js';
import {
  encodeGraphModel, floatAttribute, intAttribute, intsAttribute, makeFloatTensor, makeNode, makeTensorValueInfo,
  randomWeights, seededRandom,
} from './onnx-parts.js';

/**
 * Real ONNX models built in code (IR 8, opset 13) for tests: each builder returns the bytes of an `.onnx` file that
 * onnxruntime-node 1.30 loads and runs. Hostile models (slow, memory bomb, external data, custom domain) live in
 * `hostile-onnx-models.ts`.
 */

const { FLOAT, INT32, INT64, BOOL, STRING } = TensorDataType;

export interface MlpOptions {
  /** Features per row (default 4). */
  inputSize?: number;
  /** Hidden units (default 8). */
  hidden?: number;
  /** Classes (default 3). */
  outputSize?: number;
  /** Weight seed (default 1); different seeds give different outputs, which tells model versions apart. */
  seed?: number;
  /** End with Softmax (default true); when false `probabilities` holds the raw logits. */
  softmax?: boolean;
}

interface MlpWeights {
  inputSize: number; hidden: number; outputSize: number; softmax: boolean;
  w1: Float32Array; b1: Float32Array; w2: Float32Array; b2: Float32Array;
}

function mlpWeights(options: MlpOptions): MlpWeights {
  const { inputSize = 4, hidden = 8, outputSize = 3, seed = 1, softmax = true } = options;
  const random = seededRandom(seed);
  return {
    inputSize, hidden, outputSize, softmax,
    w1: randomWeights(random, inputSize * hidden, 1 / Math.sqrt(inputSize)),
    b1: randomWeights(random, hidden, 0.1),
    w2: randomWeights(random, hidden * outputSize, 1 / Math.sqrt(hidden)),
    b2: randomWeights(random, outputSize, 0.1),
  };
}

/**
 * A two-layer perceptron: `input` FP32 [-1, inputSize] → MatMul/Add/Relu → MatMul/Add → Softmax →
 * `probabilities` FP32 [-1, outputSize]. Weights are deterministic in `seed`; `mlpReference` computes the same
 * function in JavaScript.
 *
 * @example const bytes = buildMlp({ seed: 2 });
 */
export function buildMlp(options: MlpOptions = {}): Uint8Array {
  const weights = mlpWeights(options);
  const { inputSize, hidden, outputSize, softmax } = weights;
  const logits = softmax ? 'logits' : 'probabilities';
  const nodes = [
    makeNode('MatMul', ['input', 'w1'], ['h1']),
    makeNode('Add', ['h1', 'b1'], ['h1_biased']),
    makeNode('Relu', ['h1_biased'], ['h1_relu']),
    makeNode('MatMul', ['h1_relu', 'w2'], ['h2']),
    makeNode('Add', ['h2', 'b2'], [logits]),
  ];
  if (softmax) nodes.push(makeNode('Softmax', [logits], ['probabilities'], [intAttribute('axis', -1)]));
  return encodeGraphModel({
    name: 'mlp',
    nodes,
    inputs: [makeTensorValueInfo('input', FLOAT, ['batch', inputSize])],
    outputs: [makeTensorValueInfo('probabilities', FLOAT, ['batch', outputSize])],
    initializers: [
      makeFloatTensor('w1', [inputSize, hidden], weights.w1), makeFloatTensor('b1', [hidden], weights.b1),
      makeFloatTensor('w2', [hidden, outputSize], weights.w2), makeFloatTensor('b2', [outputSize], weights.b2),
    ],
  });
}

/**
 * What `buildMlp(options)` computes for `input` (row-major, `batch × inputSize`), in float64: compare with a
 * tolerance of about 1e-5.
 */
export function mlpReference(options: MlpOptions, input: ArrayLike<number>): Float64Array {
  const { inputSize, hidden, outputSize, softmax, w1, b1, w2, b2 } = mlpWeights(options);
  const batch = Math.floor(input.length / inputSize);
  const out = new Float64Array(batch * outputSize);
  for (let row = 0; row < batch; row++) {
    const h = new Float64Array(hidden);
    for (let j = 0; j < hidden; j++) {
      let sum = b1[j];
      for (let k = 0; k < inputSize; k++) sum += input[row * inputSize + k] * w1[k * hidden + j];
      h[j] = Math.max(0, sum);
    }
    const logits = new Float64Array(outputSize);
    for (let j = 0; j < outputSize; j++) {
      let sum = b2[j];
      for (let k = 0; k < hidden; k++) sum += h[k] * w2[k * outputSize + j];
      logits[j] = sum;
    }
    const probabilities = softmax ? softmaxOf(logits) : logits;
    out.set(probabilities, row * outputSize);
  }
  return out;
}

function softmaxOf(values: Float64Array): Float64Array {
  const max = Math.max(...values);
  const exps = values.map((value) => Math.exp(value - max));
  const total = exps.reduce((a, b) => a + b, 0);
  return exps.map((value) => value / total);
}

export interface SmallCnnOptions {
  /** Image channels (default 3). */
  channels?: number;
  /** Image height and width (default 16). */
  size?: number;
  /** Classes (default 4). */
  classes?: number;
  /** Convolution filters (default 8). */
  filters?: number;
  /** Weight seed (default 1). */
  seed?: number;
}

/**
 * A tiny image classifier: `image` FP32 [-1, channels, size, size] → Conv 3×3 (pads 1) → Relu → GlobalAveragePool →
 * Flatten → Gemm → Softmax → `scores` FP32 [-1, classes].
 *
 * @example const bytes = buildSmallCnn({ size: 32 });
 */
export function buildSmallCnn(options: SmallCnnOptions = {}): Uint8Array {
  const { channels = 3, size = 16, classes = 4, filters = 8, seed = 1 } = options;
  const random = seededRandom(seed);
  return encodeGraphModel({
    name: 'small_cnn',
    nodes: [
      makeNode('Conv', ['image', 'conv_w', 'conv_b'], ['conv'], [
        intsAttribute('kernel_shape', [3, 3]), intsAttribute('pads', [1, 1, 1, 1]), intsAttribute('strides', [1, 1]),
      ]),
      makeNode('Relu', ['conv'], ['conv_relu']),
      makeNode('GlobalAveragePool', ['conv_relu'], ['pooled']),
      makeNode('Flatten', ['pooled'], ['features'], [intAttribute('axis', 1)]),
      makeNode('Gemm', ['features', 'fc_w', 'fc_b'], ['logits'], [
        floatAttribute('alpha', 1), floatAttribute('beta', 1), intAttribute('transB', 0),
      ]),
      makeNode('Softmax', ['logits'], ['scores'], [intAttribute('axis', 1)]),
    ],
    inputs: [makeTensorValueInfo('image', FLOAT, ['batch', channels, size, size])],
    outputs: [makeTensorValueInfo('scores', FLOAT, ['batch', classes])],
    initializers: [
      makeFloatTensor('conv_w', [filters, channels, 3, 3], randomWeights(random, filters * channels * 9, 1 / Math.sqrt(channels * 9))),
      makeFloatTensor('conv_b', [filters], randomWeights(random, filters, 0.1)),
      makeFloatTensor('fc_w', [filters, classes], randomWeights(random, filters * classes, 1 / Math.sqrt(filters))),
      makeFloatTensor('fc_b', [classes], randomWeights(random, classes, 0.1)),
    ],
  });
}

/**
 * `x` → Identity → `y`, both of `datatype` and shape [-1, -1] (BYTES is ONNX STRING).
 *
 * Checked with onnxruntime-node 1.30 (CPU): every datatype but BF16 loads and echoes its input (BOOL, UINT8/16/32/64,
 * INT8/16/32/64, FP16, FP32, FP64, BYTES). A BF16 model is valid ONNX and passes `inspectOnnx`, but
 * `InferenceSession.create` throws "Unsupported data type: 16": the JS layer of onnxruntime-node has no 'bfloat16'
 * tensor type, so no model with BF16 inputs or outputs can be loaded from Node at all.
 *
 * @example const bytes = buildIdentityModel('INT64');
 */
export function buildIdentityModel(datatype: Datatype): Uint8Array {
  const elemType = datatypeToOnnxElemType(datatype);
  return encodeGraphModel({
    name: `identity_${datatype.toLowerCase()}`,
    nodes: [makeNode('Identity', ['x'], ['y'])],
    inputs: [makeTensorValueInfo('x', elemType, [-1, -1])],
    outputs: [makeTensorValueInfo('y', elemType, [-1, -1])],
  });
}

/**
 * Triton's `simple` model: INT32 `INPUT0`, `INPUT1` [-1, 16] → `OUTPUT0` = INPUT0 + INPUT1, `OUTPUT1` = INPUT0 − INPUT1.
 */
export function buildAddSubModel(): Uint8Array {
  return encodeGraphModel({
    name: 'simple',
    nodes: [makeNode('Add', ['INPUT0', 'INPUT1'], ['OUTPUT0']), makeNode('Sub', ['INPUT0', 'INPUT1'], ['OUTPUT1'])],
    inputs: [makeTensorValueInfo('INPUT0', INT32, ['batch', 16]), makeTensorValueInfo('INPUT1', INT32, ['batch', 16])],
    outputs: [makeTensorValueInfo('OUTPUT0', INT32, ['batch', 16]), makeTensorValueInfo('OUTPUT1', INT32, ['batch', 16])],
  });
}

/**
 * Mixed datatypes in and out: `ids` INT64 [-1, -1] → Identity → `ids_out`; `mask` BOOL [-1, -1] → Not → `mask_out`;
 * `text` BYTES (STRING) [-1] → Identity → `text_out`.
 */
export function buildTwoInputMixedModel(): Uint8Array {
  return encodeGraphModel({
    name: 'mixed',
    nodes: [
      makeNode('Identity', ['ids'], ['ids_out']),
      makeNode('Not', ['mask'], ['mask_out']),
      makeNode('Identity', ['text'], ['text_out']),
    ],
    inputs: [
      makeTensorValueInfo('ids', INT64, [-1, -1]), makeTensorValueInfo('mask', BOOL, [-1, -1]),
      makeTensorValueInfo('text', STRING, [-1]),
    ],
    outputs: [
      makeTensorValueInfo('ids_out', INT64, [-1, -1]), makeTensorValueInfo('mask_out', BOOL, [-1, -1]),
      makeTensorValueInfo('text_out', STRING, [-1]),
    ],
  });
}
