/**
 * The management API over real HTTP: models, uploads and their validation, aliases with rollback and history,
 * names and mass assignment, and authentication on every route.
 */
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  buildCustomDomainModel, buildExternalDataModel, buildMlp, startTestServer, type TestServer,
} from '../src/testing/index.js';

let server: TestServer;

function json(method: string, body?: unknown): RequestInit {
  return { method, headers: { 'content-type': 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) };
}

function upload(bytes: Uint8Array, contentType = 'application/octet-stream'): RequestInit {
  return { method: 'POST', headers: { 'content-type': contentType }, body: Buffer.from(bytes) };
}

async function expectError(response: Promise<Response>, status: number, code: string): Promise<any> {
  const answer = await response;
  const body = await answer.json();
  assert.equal(answer.status, status, JSON.stringify(body));
  assert.equal(body.code, code, JSON.stringify(body));
  return body;
}

async function answerOf(model: string, path = `/v2/models/${model}/infer`): Promise<{ version: string; data: number[] }> {
  const response = await server.call(path, json('POST', { inputs: [{ name: 'input', shape: [1, 4], datatype: 'FP32', data: [1, 2, 3, 4] }] }));
  const body = await response.json();
  assert.equal(response.status, 200, JSON.stringify(body));
  return { version: body.model_version, data: body.outputs[0].data };
}

describe('management API', () => {
  before(async () => { server = await startTestServer(); });
  after(() => server.close());

  it('creates, lists, reads, patches and deletes models', async () => {
    const created = await server.call('/api/models', json('POST', { name: 'resnet', task: 'image-classification', description: 'd', labels: ['a', 'b'], runtime: { instances: 1, timeoutMs: 5000 } }));
    assert.equal(created.status, 201);
    const model = await created.json();
    assert.equal(model.name, 'resnet');
    assert.deepEqual(model.labels, ['a', 'b']);
    assert.deepEqual(model.runtime, { instances: 1, timeoutMs: 5000 });
    assert.equal(model.latestVersion, null);
    await expectError(server.call('/api/models', json('POST', { name: 'resnet' })), 409, 'MODEL_EXISTS');
    const patched = await (await server.call('/api/models/resnet', json('PATCH', { description: 'new', preprocess: { preset: 'torch' } }))).json();
    assert.equal(patched.description, 'new');
    assert.deepEqual(patched.preprocess, { preset: 'torch' });
    await expectError(server.call('/api/models/resnet', json('PATCH', { preprocess: { preset: 'nope' } })), 400, 'INVALID_REQUEST');
    await expectError(server.call('/api/models/resnet', json('PATCH', { labels: 'imagenets' })), 400, 'INVALID_REQUEST');
    const list = await (await server.call('/api/models')).json();
    assert.ok(list.items.some((m: any) => m.name === 'resnet'));
    assert.equal((await server.call('/api/models/resnet', { method: 'DELETE' })).status, 204);
    await expectError(server.call('/api/models/resnet'), 404, 'MODEL_NOT_FOUND');
  });

  it('refuses bad names with a stable code (no path tricks reach storage)', async () => {
    for (const name of ['../x', '..', '.', 'a/b', 'a\\b', 'C:x', 'x;y', 'UPPER', '-lead', 'a'.repeat(65), 'ｒesnet', 'a\u0000b', '']) {
      const code = name.includes('/') ? 'INVALID_TENANT_NAME' : 'INVALID_MODEL_NAME';
      await expectError(server.call('/api/models', json('POST', { name })), 400, code);
    }
    for (const path of ['/api/models/..%2fx', '/api/models/%2e%2e', '/api/models/a%5cb', '/api/models/UP']) {
      const response = await server.call(path);
      assert.ok([400, 404].includes(response.status), `${path} → ${response.status}`);
      assert.notEqual(response.status, 200);
    }
    await server.call('/api/models', json('POST', { name: 'named' }));
    await expectError(server.call('/api/models/named/aliases/Prod', json('PUT', { version: 1 })), 400, 'INVALID_ALIAS_NAME');
    await expectError(server.call('/api/models/named/aliases/7', json('PUT', { version: 1 })), 400, 'INVALID_ALIAS_NAME');
    await expectError(server.call('/api/models/named/versions/abc'), 400, 'INVALID_VERSION');
  });

  it('refuses unknown fields (mass assignment) and bad JSON', async () => {
    for (const extra of [{ id: 5 }, { sha256: 'x' }, { storagePath: '/etc' }, { state: 'READY' }, { tenantId: 'x' }]) {
      await expectError(server.call('/api/models', json('POST', { name: 'mass', ...extra })), 400, 'INVALID_REQUEST');
    }
    await expectError(server.call('/api/models', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"name": "x", "__proto__": {"admin": true}}' }), 400, 'INVALID_JSON');
    assert.equal(({} as any).admin, undefined);
    await expectError(server.call('/api/models', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{oops' }), 400, 'INVALID_JSON');
    await expectError(server.call('/api/models', json('POST', { name: 'labels', labels: [1, 2] })), 400, 'INVALID_REQUEST');
    await expectError(server.call('/api/models', json('POST', { name: 'rt', runtime: { instances: 99 } })), 400, 'INVALID_REQUEST');
    await expectError(server.call('/api/models', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'x' }), 415, 'UNSUPPORTED_MEDIA_TYPE');
    await expectError(server.call('/api/models', json('POST', { name: 'big', description: 'x'.repeat(2 * 1024 * 1024) })), 413, 'PAYLOAD_TOO_LARGE');
  });

  it('uploads a version: 201 READY with sha256, size and the signature read from the graph', async () => {
    await server.call('/api/models', json('POST', { name: 'mlp' }));
    const bytes = buildMlp({ seed: 1 });
    const response = await server.call('/api/models/mlp/versions', upload(bytes));
    const version = await response.json();
    assert.equal(response.status, 201, JSON.stringify(version));
    assert.equal(version.version, 1);
    assert.equal(version.state, 'READY');
    assert.equal(version.sizeBytes, bytes.byteLength);
    assert.match(version.sha256, /^[0-9a-f]{64}$/);
    assert.deepEqual(version.inputs, [{ name: 'input', datatype: 'FP32', shape: [-1, 4] }]);
    assert.deepEqual(version.outputs, [{ name: 'probabilities', datatype: 'FP32', shape: [-1, 3] }]);
    const listed = await (await server.call('/api/models/mlp/versions')).json();
    assert.deepEqual(listed.items.map((v: any) => v.version), [1]);
    assert.equal(JSON.stringify(listed).includes(server.dataDir), false, 'no filesystem path leaks');
  });

  it('refuses files that are not servable ONNX with 422 and keeps a FAILED version with the reason', async () => {
    await server.call('/api/models', json('POST', { name: 'bad' }));
    const cases: Array<[Uint8Array, string]> = [
      [new Uint8Array(0), 'INVALID_ONNX'],
      [Uint8Array.from({ length: 4096 }, (_, i) => (i * 7919) % 251), 'INVALID_ONNX'],
      [buildMlp().subarray(0, 200), 'INVALID_ONNX'],
      [new TextEncoder().encode('\x80\x02cposix\nsystem\n(Vtouch /tmp/pwned\ntR.'), 'INVALID_ONNX'],
      [buildExternalDataModel('../../etc/passwd'), 'ONNX_EXTERNAL_DATA'],
      [buildExternalDataModel('/etc/passwd'), 'ONNX_EXTERNAL_DATA'],
      [buildCustomDomainModel('evil.custom'), 'ONNX_CUSTOM_DOMAIN'],
    ];
    for (const [bytes, code] of cases) {
      const body = await expectError(server.call('/api/models/bad/versions', upload(bytes)), 422, code);
      assert.equal(body.state, 'FAILED');
      const version = await (await server.call(`/api/models/bad/versions/${body.version}`)).json();
      assert.equal(version.state, 'FAILED');
      assert.ok(version.error.length > 0);
    }
    await expectError(server.call('/api/models/bad/versions', upload(buildMlp(), 'application/json')), 415, 'UNSUPPORTED_MEDIA_TYPE');
    await expectError(server.call('/api/models/nope/versions', upload(buildMlp())), 404, 'MODEL_NOT_FOUND');
    const files = await readdir(join(server.dataDir, 'artifacts'), { recursive: true });
    assert.equal(files.filter((f) => String(f).endsWith('.onnx')).length, 1, 'refused uploads leave no file behind (only mlp v1 is stored)');
  });

  it('an upload over the size limit is 413 and leaves nothing', async () => {
    const small = await startTestServer(['--max-model-bytes', '1000']);
    try {
      await small.client.createModel({ name: 'm' });
      await expectError(small.call('/api/models/m/versions', upload(buildMlp({ hidden: 64 }))), 413, 'MODEL_TOO_LARGE');
      const chunked = new ReadableStream<Uint8Array>({ start(c) { c.enqueue(new Uint8Array(800)); c.enqueue(new Uint8Array(800)); c.close(); } });
      await expectError(small.call('/api/models/m/versions', { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: chunked, duplex: 'half' } as RequestInit), 413, 'MODEL_TOO_LARGE');
      assert.deepEqual((await small.client.listVersions('m')).length, 0);
    } finally {
      await small.close();
    }
  });

  it('moves an alias, rolls back in one call, and records every move', async () => {
    await server.client.pushVersion('mlp', buildMlp({ seed: 2 }));
    const v1 = await answerOf('mlp', '/v2/models/mlp/versions/1/infer');
    const v2 = await answerOf('mlp', '/v2/models/mlp/versions/2/infer');
    assert.notDeepEqual(v1.data, v2.data);

    const set1 = await server.call('/api/models/mlp/aliases/production', json('PUT', { version: 1 }));
    assert.equal(set1.status, 200);
    assert.deepEqual(await answerOf('mlp'), v1);
    await server.call('/api/models/mlp/aliases/production', json('PUT', { version: 2 }));
    assert.deepEqual(await answerOf('mlp'), v2);
    const rolled = await (await server.call('/api/models/mlp/aliases/production/rollback', { method: 'POST' })).json();
    assert.equal(rolled.version, 1);
    assert.deepEqual(await answerOf('mlp'), v1);
    await expectError(server.call('/api/models/mlp/aliases/production/rollback', { method: 'POST' }), 409, 'NO_PREVIOUS_TARGET');

    const history = (await (await server.call('/api/models/mlp/aliases/production/history')).json()).items;
    assert.deepEqual(history.map((h: any) => [h.action, h.fromVersion, h.toVersion]), [['set', null, 1], ['set', 1, 2], ['rollback', 2, 1]]);
    const aliases = (await (await server.call('/api/models/mlp/aliases')).json()).items;
    assert.deepEqual(aliases.map((a: any) => [a.name, a.version]), [['production', 1]]);
    assert.deepEqual((await server.client.getModel('mlp')).aliases, { production: 1 });
  });

  it('guards aliases and versions: 409 for FAILED targets and versions in use, 404 for unknown ones', async () => {
    await expectError(server.call('/api/models/mlp/aliases/production', json('PUT', { version: 99 })), 404, 'VERSION_NOT_FOUND');
    await expectError(server.call('/api/models/mlp/aliases/production', json('PUT', { version: '1' })), 400, 'INVALID_REQUEST');
    await expectError(server.call('/api/models/bad/aliases/production', json('PUT', { version: 1 })), 409, 'VERSION_NOT_READY');
    await expectError(server.call('/api/models/mlp/versions/1', { method: 'DELETE' }), 409, 'VERSION_IN_USE');
    await expectError(server.call('/api/models/mlp/aliases/nope/rollback', { method: 'POST' }), 404, 'ALIAS_NOT_FOUND');
    await expectError(server.call('/api/models/mlp/aliases/nope', { method: 'DELETE' }), 404, 'ALIAS_NOT_FOUND');
    await expectError(server.call('/api/models/mlp/versions/9', { method: 'DELETE' }), 404, 'VERSION_NOT_FOUND');
    await expectError(server.call('/v2/models/bad/versions/1/infer', json('POST', { inputs: [] })), 400, 'INVALID_REQUEST');
    assert.equal((await server.call('/api/models/mlp/versions/2', { method: 'DELETE' })).status, 204);
    const numbers = (await server.client.listVersions('mlp')).map((v) => v.version);
    assert.deepEqual(numbers, [1]);
    const v3 = await server.client.pushVersion('mlp', buildMlp({ seed: 3 }));
    assert.equal(v3.version, 3, 'version numbers are never reused');
    assert.equal((await server.call('/api/models/mlp/aliases/production', { method: 'DELETE' })).status, 204);
    assert.equal((await answerOf('mlp')).version, '3', 'without production the newest READY version answers');
  });

  it('serves a FAILED version as 503 and a model without READY versions as 503', async () => {
    await expectError(server.call('/v2/models/bad/versions/1/infer', json('POST', { inputs: [{ name: 'x', shape: [1], datatype: 'FP32', data: [1] }] })), 400, 'INPUT_UNKNOWN');
    const empty = await server.call('/api/models', json('POST', { name: 'empty' }));
    assert.equal(empty.status, 201);
    const answer = await server.call('/v2/models/empty/infer', json('POST', { inputs: [{ name: 'x', shape: [1], datatype: 'FP32', data: [1] }] }));
    assert.equal(answer.status, 503);
    assert.equal((await answer.json()).code, 'NO_READY_VERSION');
    assert.ok(answer.headers.get('retry-after'));
  });

  it('requires a Bearer key on every route but health, and refuses keys in the query string', async () => {
    const routes: Array<[string, string]> = [
      ['GET', '/v2'], ['GET', '/v2/models/mlp'], ['GET', '/v2/models/mlp/ready'], ['POST', '/v2/models/mlp/infer'],
      ['POST', '/v2/models/mlp/versions/1/infer'], ['GET', '/v2/models/stats'], ['POST', '/v2/repository/index'],
      ['POST', '/v2/repository/models/mlp/load'], ['POST', '/v2/repository/models/mlp/unload'],
      ['GET', '/api/models'], ['POST', '/api/models'], ['GET', '/api/models/mlp'], ['PATCH', '/api/models/mlp'],
      ['DELETE', '/api/models/mlp'], ['POST', '/api/models/mlp/versions'], ['GET', '/api/models/mlp/versions/1'],
      ['DELETE', '/api/models/mlp/versions/1'], ['PUT', '/api/models/mlp/aliases/production'],
      ['POST', '/api/models/mlp/aliases/production/rollback'], ['GET', '/api/models/mlp/aliases/production/history'],
      ['GET', '/metrics'], ['GET', '/docs'], ['GET', '/no/such/route'],
    ];
    for (const [method, path] of routes) {
      for (const authorization of [undefined, '', 'Bearer ', 'Basic dGVzdDp0ZXN0', `Bearer ${server.key}x`, `Token ${server.key}`]) {
        const headers: Record<string, string> = authorization === undefined ? {} : { authorization };
        const response = await server.call(path, { method, headers, key: null });
        assert.equal(response.status, 401, `${method} ${path} with ${JSON.stringify(authorization)}`);
        assert.equal((await response.json()).code, 'UNAUTHENTICATED');
      }
    }
    await expectError(server.call(`/api/models?key=${server.key}`, { key: null }), 401, 'UNAUTHENTICATED');
    await expectError(server.call(`/api/models?api_key=${server.key}`), 401, 'UNAUTHENTICATED');
    assert.equal((await server.call('/api/models')).status, 200);
  });

  it('returns a request id, exposes Prometheus metrics and the OpenAPI document', async () => {
    const response = await server.call('/api/models', { headers: { 'x-request-id': 'trace-123' } });
    assert.equal(response.headers.get('x-request-id'), 'trace-123');
    assert.match((await server.call('/api/models')).headers.get('x-request-id') ?? '', /^[0-9a-f-]{36}$/);
    const metrics = await (await server.call('/metrics')).text();
    assert.match(metrics, /tessera_inference_requests_total\{model="default\/mlp",version="1",outcome="success",code=""\} \d+/);
    assert.match(metrics, /tessera_inference_request_seconds_bucket/);
    assert.match(metrics, /tessera_inference_queue_seconds_bucket/);
    assert.match(metrics, /tessera_inference_compute_seconds_bucket/);
    assert.match(metrics, /tessera_loaded_versions \d+/);
    const docs = await (await server.call('/docs')).json();
    assert.equal(docs.openapi, '3.1.0');
    assert.ok(docs.paths['/v2/models/{name}/infer'].post);
    assert.ok(docs.paths['/api/models/{name}/aliases/{alias}/rollback'].post);
  });
});
