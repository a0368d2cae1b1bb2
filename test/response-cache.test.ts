/** The opt-in response cache: hits, bounds, and never a stale version's or another tenant's answer. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ResponseCache, responseKey } from '../src/app/response-cache.js';
import { buildMlp, mlpReference, startTestServer, type TestServer } from '../src/testing/index.js';

let server: TestServer;
const json = (method: string, body: unknown) => ({ method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
const input = [0.5, -1, 2, 0.25];

async function infer(model: string, key?: string): Promise<any> {
  const response = await server.call(`/v2/models/${model}/infer`, { ...json('POST', { inputs: [{ name: 'input', shape: [1, 4], datatype: 'FP32', data: input }] }), ...(key ? { key } : {}) });
  assert.equal(response.status, 200);
  return response.json();
}

async function cacheCount(result: 'hit' | 'miss'): Promise<number> {
  const text = await (await server.call('/metrics')).text();
  return [...text.matchAll(new RegExp(`tessera_response_cache_total\\{[^}]*result="${result}"[^}]*\\} (\\d+)`, 'g'))].reduce((sum, m) => sum + Number(m[1]), 0);
}

function close(actual: number[], expected: ArrayLike<number>): void {
  actual.forEach((value, i) => assert.ok(Math.abs(value - expected[i]) < 1e-5, `${value} vs ${expected[i]}`));
}

before(async () => {
  server = await startTestServer();
  await server.call('/api/models', json('POST', { name: 'cached', runtime: { cache: { maxBytes: 1 << 20 } }, visibility: 'public' }));
  for (const seed of [1, 2]) assert.equal((await server.client.pushVersion('cached', buildMlp({ seed }))).state, 'READY');
  await server.call('/api/models/cached/aliases/production', json('PUT', { version: 1 }));
});
after(() => server.close());

describe('response cache', () => {
  it('answers a repeated request from the cache with the same numbers', async () => {
    const [hits, misses] = [await cacheCount('hit'), await cacheCount('miss')];
    const first = await infer('cached');
    const second = await infer('cached');
    assert.deepEqual(second.outputs, first.outputs);
    close(first.outputs[0].data, mlpReference({ seed: 1 }, input));
    assert.equal(await cacheCount('miss') - misses, 1);
    assert.equal(await cacheCount('hit') - hits, 1);
  });

  it('never serves the old version\'s answer after the alias moves', async () => {
    await infer('cached');
    await server.call('/api/models/cached/aliases/production', json('PUT', { version: 2 }));
    const moved = await infer('cached');
    assert.equal(moved.model_version, '2');
    close(moved.outputs[0].data, mlpReference({ seed: 2 }, input));
    await server.call('/api/models/cached/aliases/production/rollback', { method: 'POST' });
    close((await infer('cached')).outputs[0].data, mlpReference({ seed: 1 }, input));
  });

  it('is never shared across tenants, even for a public model', async () => {
    await server.call('/api/tenants', json('POST', { name: 'other' }));
    const key = (await (await server.call('/api/keys', json('POST', { name: 'o', tenant: 'other', scopes: ['infer'] }))).json()).key;
    await infer('cached');
    const misses = await cacheCount('miss');
    await infer('default/cached', key);
    assert.equal(await cacheCount('miss') - misses, 1, 'the other tenant missed');
  });
});

describe('ResponseCache', () => {
  const tensor = (n: number) => [{ name: 'y', datatype: 'FP32' as const, shape: [n], data: new Float32Array(n) }];

  it('evicts the least recently used answers past its byte bound', () => {
    const cache = new ResponseCache(1000);
    cache.set('a', tensor(100));
    cache.set('b', tensor(100));
    assert.ok(cache.get('a'));
    cache.set('c', tensor(100));
    assert.equal(cache.get('b'), undefined, 'b was least recently used');
    assert.ok(cache.get('a') && cache.get('c'));
    cache.set('huge', tensor(1000));
    assert.equal(cache.get('huge'), undefined, 'an answer larger than the cache is not kept');
  });

  it('keys differ by tenant, version, input bytes, shape and requested outputs', () => {
    const x = [{ name: 'x', datatype: 'FP32' as const, shape: [1, 2], data: new Float32Array([1, 2]) }];
    const base = responseKey('t', 1, x, []);
    assert.notEqual(base, responseKey('u', 1, x, []));
    assert.notEqual(base, responseKey('t', 2, x, []));
    assert.notEqual(base, responseKey('t', 1, [{ ...x[0], data: new Float32Array([1, 3]) }], []));
    assert.notEqual(base, responseKey('t', 1, [{ ...x[0], shape: [2, 1] }], []));
    assert.notEqual(base, responseKey('t', 1, x, [{ name: 'y', classification: 2 }]));
    assert.equal(base, responseKey('t', 1, [{ ...x[0], data: new Float32Array([1, 2]) }], []));
  });
});
