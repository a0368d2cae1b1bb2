import { DataLocation, TensorDataType, type GraphProto } from '../optimizer/index.js';
import {
  encodeGraphModel, graphAttribute, makeEmptyTensor, makeFloatTensor, makeGraph, makeInt64Tensor, makeNode,
  makeTensorValueInfo, randomWeights, seededRandom,
} from './onnx-parts.js';

/**
 * Models that misbehave on purpose, to test the upload gate and worker isolation. They are all small, well-formed
 * files; the slow and memory-bomb models pass `inspectOnnx` and only show their nature when run.
 */

const { FLOAT, INT64, BOOL } = TensorDataType;

export interface SlowModelOptions {
  /**
   * Loop trip count; each iteration is a [1,64]×[64,64] MatMul and a Tanh. Measured on the reference machine
   * (Zen 4, onnxruntime-node 1.30): about 4.2 µs per iteration — 1,000 ≈ 4.5 ms, 10,000 ≈ 43 ms,
   * 100,000 ≈ 415 ms — so 1e9 iterations run for roughly 70 minutes.
   */
  iterations: number;
}

/** One Loop iteration: state ← tanh(state × w), condition passed through. */
function slowLoopBody(): GraphProto {
  return makeGraph({
    name: 'slow_body',
    nodes: [
      makeNode('MatMul', ['state_in', 'w'], ['product']),
      makeNode('Tanh', ['product'], ['state_out']),
      makeNode('Identity', ['cond_in'], ['cond_out']),
    ],
    inputs: [
      makeTensorValueInfo('iteration', INT64, []), makeTensorValueInfo('cond_in', BOOL, []),
      makeTensorValueInfo('state_in', FLOAT, [1, 64]),
    ],
    outputs: [makeTensorValueInfo('cond_out', BOOL, []), makeTensorValueInfo('state_out', FLOAT, [1, 64])],
  });
}

/**
 * A model whose run takes as long as you like: `x` FP32 [1, 64] → Loop(`iterations` × (MatMul 64×64, Tanh)) →
 * `y` FP32 [1, 64]. The trip count is a constant, but the loop state depends on the input, so onnxruntime cannot
 * fold it at load time; loading is instant whatever `iterations` is.
 *
 * @example const hang = buildSlowModel({ iterations: 1e9 }); // a run that outlasts any sane timeout
 */
export function buildSlowModel(options: SlowModelOptions): Uint8Array {
  const { iterations } = options;
  if (!Number.isSafeInteger(iterations) || iterations < 0) throw new RangeError(`iterations must be a non-negative integer, got ${iterations}`);
  const body = slowLoopBody();
  return encodeGraphModel({
    name: 'slow',
    nodes: [makeNode('Loop', ['trip_count', '', 'x'], ['y'], [graphAttribute('body', body)])],
    inputs: [makeTensorValueInfo('x', FLOAT, [1, 64])],
    outputs: [makeTensorValueInfo('y', FLOAT, [1, 64])],
    initializers: [
      makeInt64Tensor('trip_count', [], [iterations]),
      makeFloatTensor('w', [64, 64], randomWeights(seededRandom(7), 64 * 64, 1 / 8)),
    ],
  });
}

/** Elements per side of the default memory bomb's output: 131072² float32 = 64 GiB. */
const BOMB_SIDE = 131072;

/**
 * A tiny model whose run asks for `side`² float32: `x` FP32 [1] → Expand to [side, side] → `y`. The input keeps
 * onnxruntime from folding it at load time, so loading succeeds and only `run()` allocates. The default 64 GiB is
 * refused by the allocator at once (a run error, not a crash); a `side` of about 46341 (8 GiB) is granted by the
 * kernel and then filled page by page, so resident memory really grows until a cap stops the process. Never run
 * it in the test process.
 */
export function buildMemoryBombModel(options: { side?: number } = {}): Uint8Array {
  const side = options.side ?? BOMB_SIDE;
  return encodeGraphModel({
    name: 'memory_bomb',
    nodes: [makeNode('Expand', ['x', 'huge_shape'], ['y'])],
    inputs: [makeTensorValueInfo('x', FLOAT, [1])],
    outputs: [makeTensorValueInfo('y', FLOAT, [side, side])],
    initializers: [makeInt64Tensor('huge_shape', [2], [side, side])],
  });
}

/**
 * `x` FP32 [-1, 4] + `w` → `y`, where initializer `w` is stored "externally" at `location` (a path traversal by
 * default). Otherwise well-formed; `inspectOnnx` must refuse it with ONNX_EXTERNAL_DATA.
 */
export function buildExternalDataModel(location = '../../etc/passwd'): Uint8Array {
  const weights = {
    ...makeEmptyTensor('w', FLOAT, [4]),
    dataLocation: DataLocation.EXTERNAL,
    externalData: [{ key: 'location', value: location }, { key: 'offset', value: '0' }, { key: 'length', value: '16' }],
  };
  return encodeGraphModel({
    name: 'external_data',
    nodes: [makeNode('Add', ['x', 'w'], ['y'])],
    inputs: [makeTensorValueInfo('x', FLOAT, ['batch', 4])],
    outputs: [makeTensorValueInfo('y', FLOAT, ['batch', 4])],
    initializers: [weights],
  });
}

/**
 * `x` FP32 [-1, 4] → `CustomOp` of `domain` → `y`, with `domain` imported at version 1; `inspectOnnx` must refuse
 * it with ONNX_CUSTOM_DOMAIN.
 */
export function buildCustomDomainModel(domain = 'evil.custom'): Uint8Array {
  return encodeGraphModel({
    name: 'custom_domain',
    nodes: [makeNode('CustomOp', ['x'], ['y'], [], { domain })],
    inputs: [makeTensorValueInfo('x', FLOAT, ['batch', 4])],
    outputs: [makeTensorValueInfo('y', FLOAT, ['batch', 4])],
  }, { extraOpsets: [{ domain, version: 1 }] });
}

/**
 * A model that runs as long as its caller asks: `x` FP32 [1, 64] and `n` INT64 [] (a scalar trip count) →
 * Loop(n × (MatMul 64×64, Tanh)) → `y` FP32 [1, 64]. The upload probe feeds n = 0 and passes at once; a request with
 * n = 1e9 then hangs its worker for about an hour — what a per-model timeout must cut short.
 */
export function buildInputControlledSlowModel(): Uint8Array {
  const body = slowLoopBody();
  return encodeGraphModel({
    name: 'controlled_slow',
    nodes: [makeNode('Loop', ['n', '', 'x'], ['y'], [graphAttribute('body', body)])],
    inputs: [makeTensorValueInfo('x', FLOAT, [1, 64]), makeTensorValueInfo('n', INT64, [])],
    outputs: [makeTensorValueInfo('y', FLOAT, [1, 64])],
    initializers: [makeFloatTensor('w', [64, 64], randomWeights(seededRandom(7), 64 * 64, 1 / 8))],
  });
}
