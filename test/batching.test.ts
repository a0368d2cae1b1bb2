/**
 * Dynamic batching, priorities, deadlines and per-model queue limits: correctness only (never timing). Batched
 * answers must equal unbatched ones element for element and reach the right callers.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  buildIdentityModel, buildInputControlledSlowModel, buildMlp, mlpReference, startTestServer, type TestServer,
} from '../src/testing/index.js';

let server: TestServer;
const MLP = { seed: 11 };

async function deploy(name: string, bytes: Uint8Array, runtime: Record<string, unknown>): Promise<void> {
  await server.call('/api/models', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name, runtime }) });
  const version = await server.client.pushVersion(name, bytes);
  assert.equal(version.state, 'READY', `${name}: ${version.error}`);
}

async function infer(model: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: any }> {
  const response = await server.call(`/v2/models/${model}/infer`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  return { status: response.status, body: await response.json() };
}

async function stats(model: string): Promise<any> {
  const answer = await (await server.call(`/v2/models/${model}/versions/1/stats`)).json();
  return answer.model_stats[0];
}

function rowsInput(rows: number, offset: number): number[] {
  return Array.from({ length: rows * 4 }, (_, i) => Math.sin(offset * 31 + i) * 2);
}

function slowBody(n: number): Record<string, unknown> {
  return { inputs: [{ name: 'x', shape: [1, 64], datatype: 'FP32', data: Array(64).fill(0.05) }, { name: 'n', shape: [], datatype: 'INT64', data: [n] }] };
}

before(async () => {
  server = await startTestServer();
  await deploy('mlp-batched', buildMlp(MLP), { instances: 1, batching: { maxBatchSize: 16, maxQueueDelayUs: 30_000 } });
  await deploy('identity-batched', buildIdentityModel('FP32'), { instances: 1, batching: { maxBatchSize: 64, maxQueueDelayUs: 30_000 } });
  await deploy('slow-prio', buildInputControlledSlowModel(), { instances: 1, maxQueue: 4, batching: { maxBatchSize: 1, priorityLevels: 2 } });
});
after(() => server.close());

describe('dynamic batching', () => {
  it('merges concurrent requests into batches and answers each caller exactly what an unbatched run gives', async () => {
    const requests = Array.from({ length: 40 }, (_, i) => ({ rows: 1 + (i % 3), offset: i }));
    const answers = await Promise.all(requests.map(({ rows, offset }) =>
      infer('mlp-batched', { inputs: [{ name: 'input', shape: [rows, 4], datatype: 'FP32', data: rowsInput(rows, offset) }] })));
    answers.forEach((answer, i) => {
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
      const { rows, offset } = requests[i];
      const output = answer.body.outputs[0];
      assert.deepEqual(output.shape, [rows, 3]);
      const expected = mlpReference(MLP, rowsInput(rows, offset));
      output.data.forEach((value: number, k: number) => assert.ok(Math.abs(value - expected[k]) < 1e-5, `request ${i} element ${k}: ${value} vs ${expected[k]}`));
    });
    const after = await stats('mlp-batched');
    const totalRows = requests.reduce((sum, r) => sum + r.rows, 0);
    assert.equal(after.inference_count, totalRows, 'every row counted once');
    assert.ok(after.execution_count < requests.length, `${after.execution_count} executions for ${requests.length} requests: batching merged some`);
    assert.ok(after.batch_stats.some((entry: any) => entry.batch_size > 1), JSON.stringify(after.batch_stats));
    assert.ok(after.batch_stats.every((entry: any) => entry.batch_size <= 16), 'no execution above maxBatchSize');
  });

  it('never merges requests whose non-batch dimensions differ, and runs a request larger than maxBatchSize alone', async () => {
    const widths = [3, 5, 3, 7, 5, 3];
    const answers = await Promise.all(widths.map((width, i) =>
      infer('identity-batched', { inputs: [{ name: 'x', shape: [2, width], datatype: 'FP32', data: Array.from({ length: 2 * width }, (_, k) => i * 100 + k) }] })));
    answers.forEach((answer, i) => {
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
      assert.deepEqual(answer.body.outputs[0].shape, [2, widths[i]]);
      assert.deepEqual(answer.body.outputs[0].data, Array.from({ length: 2 * widths[i] }, (_, k) => i * 100 + k));
    });
    const big = await infer('identity-batched', { inputs: [{ name: 'x', shape: [100, 2], datatype: 'FP32', data: Array.from({ length: 200 }, (_, k) => k) }] });
    assert.equal(big.status, 200);
    assert.deepEqual(big.body.outputs[0].data, Array.from({ length: 200 }, (_, k) => k));
  });

  it('binary and JSON requests batch together and each gets its own format back', async () => {
    const binary = server.client.infer('mlp-batched', [{ name: 'input', datatype: 'FP32', shape: [1, 4], data: new Float32Array(rowsInput(1, 500)) }]);
    const json = infer('mlp-batched', { inputs: [{ name: 'input', shape: [1, 4], datatype: 'FP32', data: rowsInput(1, 501) }] });
    const [fromBinary, fromJson] = await Promise.all([binary, json]);
    const expectBinary = mlpReference(MLP, rowsInput(1, 500));
    Array.from(fromBinary.outputs[0].data as Float32Array).forEach((value, k) => assert.ok(Math.abs(value - expectBinary[k]) < 1e-5));
    const expectJson = mlpReference(MLP, rowsInput(1, 501));
    fromJson.body.outputs[0].data.forEach((value: number, k: number) => assert.ok(Math.abs(value - expectJson[k]) < 1e-5));
  });
});

describe('queue order, deadlines and limits', () => {
  it('a higher-priority request overtakes lower-priority ones already waiting', async () => {
    const order: string[] = [];
    const track = (label: string, promise: Promise<{ status: number }>) => promise.then((answer) => { order.push(label); return answer; });
    const blocker = track('blocker', infer('slow-prio', slowBody(60_000)));
    await new Promise((resolve) => setTimeout(resolve, 100));
    // The worker takes one more run into its pipeline while the blocker runs (pipeline depth 2): that one is
    // already handed over; priority orders what still waits in the queue.
    const pipelined = track('pipelined', infer('slow-prio', { ...slowBody(20), parameters: { priority: 2 } }));
    await new Promise((resolve) => setTimeout(resolve, 30));
    const lows = [1, 2].map((i) => track(`low${i}`, infer('slow-prio', { ...slowBody(20), parameters: { priority: 2 } })));
    await new Promise((resolve) => setTimeout(resolve, 30));
    const high = track('high', infer('slow-prio', { ...slowBody(20), parameters: { priority: 1 } }));
    const answers = await Promise.all([blocker, pipelined, ...lows, high]);
    assert.ok(answers.every((answer) => answer.status === 200));
    assert.ok(order.indexOf('high') < order.indexOf('low1') && order.indexOf('high') < order.indexOf('low2'), order.join(' → '));
  });

  it('a request whose deadline passes while it waits answers 504 DEADLINE_EXCEEDED and is never executed', async () => {
    const before = await stats('slow-prio');
    const blocker = infer('slow-prio', slowBody(80_000));
    await new Promise((resolve) => setTimeout(resolve, 100));
    const byParameter = infer('slow-prio', { ...slowBody(1), parameters: { timeout: 50_000 } });
    const byHeader = infer('slow-prio', slowBody(1), { 'x-request-timeout-ms': '50' });
    const [first, second] = await Promise.all([byParameter, byHeader]);
    for (const answer of [first, second]) {
      assert.equal(answer.status, 504, JSON.stringify(answer.body));
      assert.equal(answer.body.code, 'DEADLINE_EXCEEDED');
    }
    assert.equal((await blocker).status, 200);
    const after = await stats('slow-prio');
    assert.equal(after.execution_count - before.execution_count, 1, 'only the blocker ran');
    assert.equal(after.inference_stats.fail.count - before.inference_stats.fail.count, 2);
    const bad = await infer('slow-prio', { ...slowBody(1), parameters: { timeout: -5 } });
    assert.equal(bad.body.code, 'INVALID_PARAMETER');
    assert.equal((await infer('slow-prio', slowBody(1), { 'x-request-timeout-ms': 'soon' })).body.code, 'INVALID_PARAMETER');
  });

  it('the model\'s own maxQueue bounds its queue: the excess answers 503 QUEUE_FULL at once', async () => {
    const answers = await Promise.all(Array.from({ length: 10 }, () => infer('slow-prio', slowBody(20_000))));
    const codes = answers.map((answer) => (answer.status === 200 ? 'ok' : answer.body.code));
    assert.ok(codes.includes('QUEUE_FULL'), codes.join(','));
    assert.ok(codes.filter((code) => code === 'ok').length >= 4, codes.join(','));
  });

  it('batching settings are validated strictly', async () => {
    for (const runtime of [
      { batching: {} }, { batching: { maxBatchSize: 0 } }, { batching: { maxBatchSize: 8, preferredBatchSizes: [16] } },
      { batching: { maxBatchSize: 8, extra: 1 } }, { cache: { maxBytes: 1 } }, { maxQueue: 0 },
    ]) {
      const response = await server.call('/api/models/mlp-batched', { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ runtime }) });
      assert.equal(response.status, 400, JSON.stringify(runtime));
    }
  });
});
