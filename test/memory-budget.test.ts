/**
 * On-demand loading under a memory budget: five models under a budget that fits two all answer correctly in turn,
 * the measured resident memory stays within the budget plus the largest model, evictions are counted, and nothing
 * is unloaded under a request.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { buildMlp, mlpReference, startTestServer, type TestServer } from '../src/testing/index.js';

const MODELS = [1, 2, 3, 4, 5].map((seed) => ({ name: `m${seed}`, seed }));
const input = [0.3, -0.2, 1.5, 0.7];

async function deployAll(server: TestServer, runtime: Record<string, unknown> = {}): Promise<void> {
  for (const { name, seed } of MODELS) {
    await server.call('/api/models', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name, runtime: { instances: 1, ...runtime } }) });
    assert.equal((await server.client.pushVersion(name, buildMlp({ seed }))).state, 'READY');
  }
}

async function inferOk(server: TestServer, name: string, seed: number): Promise<void> {
  const response = await server.call(`/v2/models/${name}/infer`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ inputs: [{ name: 'input', shape: [1, 4], datatype: 'FP32', data: input }] }),
  });
  const body = await response.json();
  assert.equal(response.status, 200, JSON.stringify(body));
  const expected = mlpReference({ seed }, input);
  body.outputs[0].data.forEach((value: number, i: number) => assert.ok(Math.abs(value - expected[i]) < 1e-5));
}

async function metric(server: TestServer, name: string): Promise<number[]> {
  const text = await (await server.call('/metrics')).text();
  return [...text.matchAll(new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.e+]+)$`, 'gm'))].map((m) => Number(m[1]));
}

let oneModelBytes = 0;

before(async () => {
  // Measure what one loaded MLP version takes on this machine (its worker process), to size a budget that fits two.
  const probe = await startTestServer();
  try {
    await deployAll(probe);
    await inferOk(probe, 'm1', 1);
    oneModelBytes = Math.max(...await metric(probe, 'tessera_model_resident_bytes'));
  } finally {
    await probe.close();
  }
  assert.ok(oneModelBytes > 1024 * 1024, `one version measured ${oneModelBytes} bytes`);
});

describe('memory budget', () => {
  let server: TestServer;
  after(() => server?.close());

  it('serves five models in turn under a budget that fits two, evicting the least recently used', async () => {
    const budget = Math.round(oneModelBytes * 2.5);
    server = await startTestServer(['--model-memory-bytes', String(budget)]);
    await deployAll(server);
    let peak = 0;
    for (let round = 0; round < 3; round++) {
      for (const { name, seed } of MODELS) {
        await inferOk(server, name, seed);
        const resident = (await metric(server, 'tessera_model_resident_bytes')).reduce((a, b) => a + b, 0);
        peak = Math.max(peak, resident);
        const loaded = (await metric(server, 'tessera_model_resident_bytes')).length;
        assert.ok(loaded <= 3, `${loaded} versions loaded under a budget for two`);
      }
    }
    assert.ok(peak <= budget + oneModelBytes * 1.5, `peak ${peak} > budget ${budget} + one model ${oneModelBytes}`);
    const [evictions] = await metric(server, 'tessera_model_evictions_total');
    assert.ok(evictions >= 10, `${evictions} evictions for 15 calls over 5 models`);
  });

  it('never unloads a version under a request: concurrent traffic to every model loses nothing', async () => {
    const calls = Array.from({ length: 40 }, (_, i) => MODELS[i % MODELS.length]).map(({ name, seed }) => inferOk(server, name, seed));
    await Promise.all(calls);
  });

  it('a pinned model is never evicted', async () => {
    await server.call('/api/models/m1', { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ runtime: { instances: 1, pinned: true } }) });
    await server.call('/v2/repository/models/m1/unload', { method: 'POST' });
    await inferOk(server, 'm1', 1);
    for (const { name, seed } of MODELS.slice(1)) await inferOk(server, name, seed);
    const index = await (await server.call('/v2/repository/index', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).json();
    assert.equal(index.find((entry: any) => entry.name === 'm1').state, 'READY', 'm1 stayed loaded');
  });
});
