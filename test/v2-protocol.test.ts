/**
 * Open Inference Protocol v2 over REST, black-box against a real server on a free port: health, metadata, every
 * datatype in JSON and binary, the binary extension's framing, classification, repository, statistics and every
 * error path of the infer route.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { decodeTensorBytes, joinBinaryBody, splitBinaryBody, type Datatype } from '../src/protocol/index.js';
import { buildAddSubModel, buildIdentityModel, buildMlp, buildTwoInputMixedModel, mlpReference, startTestServer, type TestServer } from '../src/testing/index.js';

let server: TestServer;

async function deploy(name: string, bytes: Uint8Array, labels?: string[]): Promise<void> {
  await server.client.createModel({ name, ...(labels ? { labels } : {}) });
  const version = await server.client.pushVersion(name, bytes);
  assert.equal(version.state, 'READY', `${name}: ${version.error}`);
}

async function inferJson(model: string, body: unknown, path = `/v2/models/${model}/infer`): Promise<{ status: number; body: any }> {
  const response = await server.call(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: response.status, body: await response.json() };
}

async function inferBinary(model: string, header: unknown, blobs: Uint8Array[], headerLength?: string): Promise<Response> {
  const { body, headerLength: length } = joinBinaryBody(header, blobs);
  return server.call(`/v2/models/${model}/infer`, {
    method: 'POST',
    headers: { 'content-type': 'application/octet-stream', 'inference-header-content-length': headerLength ?? String(length) },
    body: Buffer.from(body),
  });
}

async function expectError(promise: Promise<{ status: number; body: any }> | Promise<Response>, status: number, code: string): Promise<any> {
  const result = await promise;
  const body = result instanceof Response ? await result.json() : result.body;
  assert.equal(result.status, status, JSON.stringify(body));
  assert.equal(body.code, code, JSON.stringify(body));
  assert.equal(typeof body.error, 'string');
  return body;
}

const SAMPLES: Record<Exclude<Datatype, 'BF16' | 'FP16'>, unknown[]> = {
  BOOL: [true, false, true, true], UINT8: [0, 1, 254, 255], UINT16: [0, 1, 65534, 65535], UINT32: [0, 1, 7, 4294967295],
  UINT64: [0, 1, 2 ** 40, Number.MAX_SAFE_INTEGER], INT8: [-128, -1, 0, 127], INT16: [-32768, -1, 0, 32767],
  INT32: [-2147483648, -1, 0, 2147483647], INT64: [-(2 ** 50), -1, 0, 2 ** 50], FP32: [0.5, -1.25, 3, 1e-3],
  FP64: [0.1, -1e300, 3.5, Math.PI], BYTES: ['héllo', '', 'tessera', 'x y'],
};

describe('Open Inference Protocol v2 (REST)', () => {
  before(async () => {
    server = await startTestServer();
    for (const datatype of [...Object.keys(SAMPLES), 'FP16'] as Datatype[]) await deploy(`id-${datatype.toLowerCase()}`, buildIdentityModel(datatype));
    await deploy('mlp', buildMlp({ seed: 3 }), ['cat', 'dog', 'bird']);
    await deploy('simple', buildAddSubModel());
    await deploy('mixed', buildTwoInputMixedModel());
  });
  after(() => server.close());

  it('answers health without a key and with JSON bodies', async () => {
    const live = await server.call('/v2/health/live', { key: null });
    assert.equal(live.status, 200);
    assert.deepEqual(await live.json(), { live: true });
    const ready = await server.call('/v2/health/ready', { key: null });
    assert.deepEqual([ready.status, await ready.json()], [200, { ready: true }]);
  });

  it('serves server and model metadata', async () => {
    const meta = await (await server.call('/v2')).json();
    assert.equal(meta.name, 'tessera');
    assert.deepEqual(meta.extensions, ['binary_tensor_data', 'classification', 'model_repository', 'statistics']);
    const model = await (await server.call('/v2/models/simple')).json();
    assert.deepEqual(model, {
      name: 'simple', versions: ['1'], platform: 'onnxruntime_onnx',
      inputs: [{ name: 'INPUT0', datatype: 'INT32', shape: [-1, 16] }, { name: 'INPUT1', datatype: 'INT32', shape: [-1, 16] }],
      outputs: [{ name: 'OUTPUT0', datatype: 'INT32', shape: [-1, 16] }, { name: 'OUTPUT1', datatype: 'INT32', shape: [-1, 16] }],
    });
    assert.equal((await server.call('/v2/models/simple/versions/1/ready')).status, 200);
    await expectError(server.call('/v2/models/nope'), 404, 'MODEL_NOT_FOUND');
    await expectError(server.call('/v2/models/simple/versions/9'), 404, 'VERSION_NOT_FOUND');
    await expectError(server.call('/v2/models/simple/versions/staging'), 404, 'ALIAS_NOT_FOUND');
    await expectError(server.call('/v2/models/simple/versions/0'), 400, 'INVALID_VERSION');
  });

  for (const [datatype, values] of Object.entries(SAMPLES)) {
    it(`round-trips ${datatype} in JSON and in binary`, async () => {
      const model = `id-${datatype.toLowerCase()}`;
      const json = await inferJson(model, { id: 'r-1', inputs: [{ name: 'x', shape: [2, 2], datatype, data: [values.slice(0, 2), values.slice(2)] }] });
      assert.equal(json.status, 200, JSON.stringify(json.body));
      assert.equal(json.body.id, 'r-1');
      assert.equal(json.body.model_version, '1');
      const expected = datatype === 'FP32' ? values.map((v) => Math.fround(v as number)) : values;
      assert.deepEqual(json.body.outputs, [{ name: 'y', shape: [2, 2], datatype, data: expected }]);

      const data = (await server.client.infer(model, [{ name: 'x', datatype: datatype as Datatype, shape: [2, 2], data: encodeValues(datatype as Datatype, values) }])).outputs[0];
      assert.equal(data.datatype, datatype);
      assert.deepEqual(data.shape, [2, 2]);
      assert.deepEqual(decodeValues(datatype as Datatype, data.data), expected);
    });
  }

  it('carries FP16 only in binary, and refuses it in JSON with a pointer to the binary extension', async () => {
    const halfs = new Uint16Array([0x3c00, 0xc000, 0x3800, 0x7bff]); // 1, -2, 0.5, 65504
    const answer = await server.client.infer('id-fp16', [{ name: 'x', datatype: 'FP16', shape: [1, 4], data: halfs }]);
    assert.deepEqual([...(answer.outputs[0].data as Uint16Array)], [...halfs]);
    const body = await expectError(inferJson('id-fp16', { inputs: [{ name: 'x', shape: [1, 1], datatype: 'FP16', data: [1] }] }), 400, 'DATATYPE_NOT_JSON');
    assert.match(body.error, /binary/);
  });

  it('runs Triton\'s simple model, mixed JSON and binary inputs, binary output per request default and per output', async () => {
    const a = Int32Array.from({ length: 16 }, (_, i) => i);
    const b = Int32Array.from({ length: 16 }, () => 1);
    const response = await inferBinary('simple', {
      inputs: [
        { name: 'INPUT0', shape: [1, 16], datatype: 'INT32', data: [...a] },
        { name: 'INPUT1', shape: [1, 16], datatype: 'INT32', parameters: { binary_data_size: 64 } },
      ],
      outputs: [{ name: 'OUTPUT0', parameters: { binary_data: true } }, { name: 'OUTPUT1', parameters: { binary_data: false } }],
    }, [new Uint8Array(b.buffer)]);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), 'application/octet-stream');
    const body = new Uint8Array(await response.arrayBuffer());
    const { json, binary } = splitBinaryBody(body, response.headers.get('inference-header-content-length') ?? undefined);
    const header = JSON.parse(new TextDecoder().decode(json));
    assert.deepEqual(header.outputs[0], { name: 'OUTPUT0', shape: [1, 16], datatype: 'INT32', parameters: { binary_data_size: 64 } });
    assert.deepEqual([...(decodeTensorBytes('INT32', binary, 16) as Int32Array)], [...a].map((x) => x + 1));
    assert.deepEqual(header.outputs[1].data, [...a].map((x) => x - 1));

    const allBinary = await inferJson('simple', { parameters: { binary_data_output: true }, inputs: [
      { name: 'INPUT0', shape: [1, 16], datatype: 'INT32', data: [...a] }, { name: 'INPUT1', shape: [1, 16], datatype: 'INT32', data: [...b] },
    ], outputs: [{ name: 'OUTPUT1', parameters: { binary_data: false } }] }).catch((error) => error);
    assert.equal(allBinary.status, 200);
    assert.deepEqual(allBinary.body.outputs.map((o: any) => o.name), ['OUTPUT1'], 'only the requested output is returned');
  });

  it('handles INT64, BOOL and BYTES together, with BYTES length prefixes in binary', async () => {
    const text = ['a', 'héllo wörld', ''].map((s) => new TextEncoder().encode(s));
    const answer = await server.client.infer('mixed', [
      { name: 'ids', datatype: 'INT64', shape: [1, 3], data: new BigInt64Array([1n, -(2n ** 62n), 3n]) },
      { name: 'mask', datatype: 'BOOL', shape: [1, 3], data: new Uint8Array([1, 0, 1]) },
      { name: 'text', datatype: 'BYTES', shape: [3], data: text },
    ]);
    const byName = Object.fromEntries(answer.outputs.map((o) => [o.name, o]));
    assert.deepEqual([...(byName.ids_out.data as BigInt64Array)], [1n, -(2n ** 62n), 3n], 'INT64 beyond 2^53 is exact in binary');
    assert.deepEqual([...(byName.mask_out.data as Uint8Array)], [0, 1, 0]);
    assert.deepEqual((byName.text_out.data as Uint8Array[]).map((b) => new TextDecoder().decode(b)), ['a', 'héllo wörld', '']);
  });

  it('answers the classification extension with Triton\'s "value:index:label" strings', async () => {
    const input = [0.5, -1, 2, 0.25];
    const expected = mlpReference({ seed: 3 }, input);
    const order = [...expected.keys()].sort((i, j) => expected[j] - expected[i]);
    const { status, body } = await inferJson('mlp', {
      inputs: [{ name: 'input', shape: [1, 4], datatype: 'FP32', data: input }],
      outputs: [{ name: 'probabilities', parameters: { classification: 2 } }],
    });
    assert.equal(status, 200, JSON.stringify(body));
    assert.equal(body.outputs[0].datatype, 'BYTES');
    assert.deepEqual(body.outputs[0].shape, [1, 2]);
    const labels = ['cat', 'dog', 'bird'];
    assert.deepEqual(body.outputs[0].data, order.slice(0, 2).map((i) => `${expected[i].toFixed(6)}:${i}:${labels[i]}`));
    await expectError(inferJson('id-bytes', { inputs: [{ name: 'x', shape: [1, 1], datatype: 'BYTES', data: ['a'] }], outputs: [{ name: 'y', parameters: { classification: 1 } }] }), 400, 'CLASSIFICATION_UNSUPPORTED');
    await expectError(inferJson('mlp', { inputs: [{ name: 'input', shape: [1, 4], datatype: 'FP32', data: input }], outputs: [{ name: 'probabilities', parameters: { classification: 0 } }] }), 400, 'INVALID_PARAMETER');
  });

  it('accepts nested and flat data, and gives the same numbers as the reference MLP', async () => {
    const rows = [[0.5, -1, 2, 0.25], [1, 1, 1, 1]];
    const nested = await inferJson('mlp', { inputs: [{ name: 'input', shape: [2, 4], datatype: 'FP32', data: rows }] });
    const flat = await inferJson('mlp', { inputs: [{ name: 'input', shape: [2, 4], datatype: 'FP32', data: rows.flat() }] });
    assert.deepEqual(nested.body.outputs, flat.body.outputs);
    const reference = [...mlpReference({ seed: 3 }, rows[0]), ...mlpReference({ seed: 3 }, rows[1])];
    nested.body.outputs[0].data.forEach((value: number, i: number) => assert.ok(Math.abs(value - reference[i]) < 1e-5));
  });

  describe('refuses bad requests before the runtime sees them', () => {
    const good = { name: 'input', shape: [1, 4], datatype: 'FP32', data: [1, 2, 3, 4] };
    const cases: Array<[string, unknown, number, string]> = [
      ['unknown input', { inputs: [good, { ...good, name: 'other' }] }, 400, 'INPUT_UNKNOWN'],
      ['missing input', { inputs: [] }, 400, 'INVALID_REQUEST'],
      ['duplicate input', { inputs: [good, good] }, 400, 'INPUT_DUPLICATE'],
      ['wrong datatype', { inputs: [{ ...good, datatype: 'FP64' }] }, 400, 'DATATYPE_MISMATCH'],
      ['unknown datatype', { inputs: [{ ...good, datatype: 'STRING' }] }, 400, 'DATATYPE_MISMATCH'],
      ['wrong rank', { inputs: [{ ...good, shape: [4] }] }, 400, 'SHAPE_MISMATCH'],
      ['wrong fixed dim', { inputs: [{ ...good, shape: [2, 2] }] }, 400, 'SHAPE_MISMATCH'],
      ['negative dim', { inputs: [{ ...good, shape: [-1, 4] }] }, 400, 'SHAPE_MISMATCH'],
      ['float dim', { inputs: [{ ...good, shape: [1.5, 4] }] }, 400, 'SHAPE_MISMATCH'],
      ['string dim', { inputs: [{ ...good, shape: ['1', 4] }] }, 400, 'SHAPE_MISMATCH'],
      ['too few elements', { inputs: [{ ...good, data: [1, 2, 3] }] }, 400, 'DATA_MISMATCH'],
      ['too many elements', { inputs: [{ ...good, data: [1, 2, 3, 4, 5] }] }, 400, 'DATA_MISMATCH'],
      ['string in FP32', { inputs: [{ ...good, data: [1, 2, 3, 'x'] }] }, 400, 'DATA_MISMATCH'],
      ['data and binary both', { inputs: [{ ...good, parameters: { binary_data_size: 16 } }] }, 400, 'INVALID_REQUEST'],
      ['no data', { inputs: [{ name: 'input', shape: [1, 4], datatype: 'FP32' }] }, 400, 'INVALID_REQUEST'],
      ['huge shape', { inputs: [{ ...good, shape: [1_000_000, 1_000_000_000] }] }, 413, 'TENSOR_TOO_LARGE'],
      ['overflowing shape', { inputs: [{ ...good, shape: [2 ** 40, 2 ** 40, 2 ** 40] }] }, 413, 'TENSOR_TOO_LARGE'],
      ['unknown output', { inputs: [good], outputs: [{ name: 'nope' }] }, 400, 'OUTPUT_UNKNOWN'],
      ['duplicate output', { inputs: [good], outputs: [{ name: 'probabilities' }, { name: 'probabilities' }] }, 400, 'OUTPUT_DUPLICATE'],
      ['reserved parameter', { parameters: { triton_enable_empty_final_response: true }, inputs: [good] }, 400, 'INVALID_PARAMETER'],
      ['not an object', [1, 2, 3], 400, 'INVALID_REQUEST'],
    ];
    for (const [label, body, status, code] of cases) {
      it(label, () => expectError(inferJson('mlp', body), status, code));
    }

    it('INT types need JSON integers and BOOL needs booleans', async () => {
      await expectError(inferJson('id-int32', { inputs: [{ name: 'x', shape: [1, 1], datatype: 'INT32', data: [1.5] }] }), 400, 'DATA_MISMATCH');
      await expectError(inferJson('id-uint8', { inputs: [{ name: 'x', shape: [1, 1], datatype: 'UINT8', data: [256] }] }), 400, 'DATA_MISMATCH');
      await expectError(inferJson('id-bool', { inputs: [{ name: 'x', shape: [1, 1], datatype: 'BOOL', data: [1] }] }), 400, 'DATA_MISMATCH');
      await expectError(inferJson('id-int64', { inputs: [{ name: 'x', shape: [1, 1], datatype: 'INT64', data: [2 ** 60] }] }), 400, 'DATA_MISMATCH');
    });

    it('malformed JSON and unknown models', async () => {
      const response = await server.call('/v2/models/mlp/infer', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"inputs": [' });
      await expectError(Promise.resolve(response), 400, 'INVALID_JSON');
      await expectError(inferJson('nope', { inputs: [good] }), 404, 'MODEL_NOT_FOUND');
      await expectError(inferJson('mlp', { inputs: [good] }, '/v2/models/mlp/versions/7/infer'), 404, 'VERSION_NOT_FOUND');
      await expectError(inferJson('Bad..Name', { inputs: [good] }, '/v2/models/Bad..Name/infer'), 400, 'INVALID_MODEL_NAME');
    });

    it('JSON abuse (B23): deep nesting, prototype keys, invalid UTF-8, 1e400 — refused before anything is built', async () => {
      const post = (path: string, body: string | Buffer) => server.call(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: body as BodyInit });
      const deep = `${'['.repeat(10_000)}${']'.repeat(10_000)}`;
      await expectError(post('/v2/models/mlp/infer', `{"inputs": [{"name": "input", "shape": [1, 4], "datatype": "FP32", "data": ${deep}}]}`), 400, 'INVALID_JSON');
      await expectError(post('/api/models', `{"name": "deep", "preprocess": ${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}}`), 400, 'INVALID_JSON');
      await expectError(post('/v2/models/mlp/infer', '{"inputs": [], "__proto__": {"polluted": true}}'), 400, 'INVALID_JSON');
      await expectError(post('/v2/models/mlp/infer', '{"inputs": [{"name": "input", "shape": [1, 4], "datatype": "FP32", "data": [1, 2, 3, 4], "constructor": {"prototype": {"polluted": true}}}]}'), 400, 'INVALID_JSON');
      assert.equal(({} as Record<string, unknown>).polluted, undefined, 'Object.prototype is unchanged');
      await expectError(post('/v2/models/mlp/infer', Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d])), 400, 'INVALID_JSON');
      const intInput = '{"inputs": [{"name": "x", "shape": [1, 1], "datatype": "INT64", "data": [1e400]}]}';
      await expectError(post('/v2/models/id-int64/infer', intInput), 400, 'DATA_MISMATCH');
      const floatInput = JSON.stringify({ inputs: [good] }).replace('[1,2,3,4]', '[1e400,2,3,4]');
      assert.equal((await post('/v2/models/mlp/infer', floatInput)).status, 200, '1e400 reads as +Infinity, a valid FP32 value');
      const ok = await inferJson('mlp', { inputs: [good] });
      assert.equal(ok.status, 200, 'the server still answers');
    });

    it('binary framing errors', async () => {
      const header = { inputs: [{ name: 'input', shape: [1, 4], datatype: 'FP32', parameters: { binary_data_size: 16 } }] };
      const blob = new Uint8Array(16);
      await expectError(inferBinary('mlp', header, [blob], '99999'), 400, 'INVALID_BINARY_DATA');
      await expectError(inferBinary('mlp', header, [blob], '-5'), 400, 'INVALID_BINARY_DATA');
      await expectError(inferBinary('mlp', header, [blob], 'abc'), 400, 'INVALID_BINARY_DATA');
      await expectError(inferBinary('mlp', header, [new Uint8Array(12)]), 400, 'INVALID_BINARY_DATA');
      await expectError(inferBinary('mlp', header, [new Uint8Array(20)]), 400, 'INVALID_BINARY_DATA');
      const wrongSize = { inputs: [{ ...header.inputs[0], parameters: { binary_data_size: 12 } }] };
      await expectError(inferBinary('mlp', wrongSize, [new Uint8Array(12)]), 400, 'DATA_MISMATCH');
      const prefix = new Uint8Array([200, 0, 0, 0, 0x61]);
      await expectError(inferBinary('id-bytes', { inputs: [{ name: 'x', shape: [1, 1], datatype: 'BYTES', parameters: { binary_data_size: 5 } }] }, [prefix]), 400, 'INVALID_BINARY_DATA');
    });

    it('a body over the inference limit is 413', async () => {
      const small = await startTestServer(['--max-infer-bytes', '2048']);
      try {
        await small.client.createModel({ name: 'mlp' });
        await small.client.pushVersion('mlp', buildMlp());
        const response = await small.call('/v2/models/mlp/infer', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ inputs: [{ ...good, data: Array(4000).fill(1) }] }) });
        await expectError(Promise.resolve(response), 413, 'PAYLOAD_TOO_LARGE');
      } finally {
        await small.close();
      }
    });
  });

  it('resolves the unversioned path through the production alias, and /versions/{alias}', async () => {
    await server.client.createModel({ name: 'two' });
    await server.client.pushVersion('two', buildMlp({ seed: 1 }));
    await server.client.pushVersion('two', buildMlp({ seed: 2 }));
    const ask = async (path: string) => (await inferJson('two', { inputs: [{ name: 'input', shape: [1, 4], datatype: 'FP32', data: [1, 2, 3, 4] }] }, path)).body;
    assert.equal((await ask('/v2/models/two/infer')).model_version, '2', 'newest READY version without an alias');
    await server.client.setAlias('two', 'production', 1);
    assert.equal((await ask('/v2/models/two/infer')).model_version, '1', 'production alias wins');
    await server.client.setAlias('two', 'canary', 2);
    assert.equal((await ask('/v2/models/two/versions/canary/infer')).model_version, '2');
    assert.equal((await ask('/v2/models/two/versions/1/infer')).model_version, '1');
  });

  it('repository index, load and unload; statistics count the requests', async () => {
    const unload = await server.call('/v2/repository/models/simple/unload', { method: 'POST' });
    assert.deepEqual([unload.status, await unload.text()], [200, '']);
    let index = await (await server.call('/v2/repository/index', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).json();
    assert.ok(Array.isArray(index));
    assert.equal(index.find((e: any) => e.name === 'simple').state, 'UNAVAILABLE');
    const load = await server.call('/v2/repository/models/simple/load', { method: 'POST' });
    assert.deepEqual([load.status, await load.text()], [200, '']);
    index = await (await server.call('/v2/repository/index', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"ready":true}' })).json();
    assert.ok(index.every((e: any) => e.state === 'READY'));
    assert.ok(index.some((e: any) => e.name === 'simple' && e.version === '1'));
    await expectError(server.call('/v2/repository/models/nope/load', { method: 'POST' }), 404, 'MODEL_NOT_FOUND');

    const before = (await (await server.call('/v2/models/mlp/stats')).json()).model_stats[0];
    await inferJson('mlp', { inputs: [{ name: 'input', shape: [3, 4], datatype: 'FP32', data: Array(12).fill(0.5) }] });
    const stats = (await (await server.call('/v2/models/mlp/versions/1/stats')).json()).model_stats[0];
    assert.equal(stats.name, 'mlp');
    assert.equal(stats.version, '1');
    assert.equal(stats.inference_count - before.inference_count, 3);
    assert.equal(stats.execution_count - before.execution_count, 1);
    assert.ok(stats.inference_stats.compute_infer.ns > before.inference_stats.compute_infer.ns);
    assert.ok(stats.inference_stats.fail.count >= 1, 'earlier refused requests count as failures');
    const all = (await (await server.call('/v2/models/stats')).json()).model_stats;
    assert.ok(all.some((s: any) => s.name === 'simple'));
  });
});

function encodeValues(datatype: Datatype, values: unknown[]): any {
  switch (datatype) {
    case 'BOOL': return Uint8Array.from(values as boolean[], (v) => (v ? 1 : 0));
    case 'BYTES': return (values as string[]).map((s) => new TextEncoder().encode(s));
    case 'INT64': return BigInt64Array.from(values as number[], (v) => BigInt(v));
    case 'UINT64': return BigUint64Array.from(values as number[], (v) => BigInt(v));
    default: {
      const Ctor = { UINT8: Uint8Array, UINT16: Uint16Array, UINT32: Uint32Array, INT8: Int8Array, INT16: Int16Array, INT32: Int32Array, FP32: Float32Array, FP64: Float64Array }[datatype as 'FP32'];
      return Ctor.from(values as number[]);
    }
  }
}

function decodeValues(datatype: Datatype, data: unknown): unknown[] {
  if (datatype === 'BOOL') return [...(data as Uint8Array)].map((v) => v !== 0);
  if (datatype === 'BYTES') return (data as Uint8Array[]).map((b) => new TextDecoder().decode(b));
  if (datatype === 'INT64' || datatype === 'UINT64') return [...(data as BigInt64Array)].map(Number);
  if (datatype === 'FP32') return [...(data as Float32Array)].map((v) => Math.fround(v));
  return [...(data as ArrayLike<number>) as number[]];
}

