/**
 * Isolation and durability: hung, crashing and memory-hungry models stay in their own processes, the event loop
 * stays free during long inferences, and a kill -9 of the server during an upload leaves a whole version or none.
 */
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  buildInputControlledSlowModel, buildMemoryBombModel, buildMlp, buildSlowModel, spawnServerProcess, startTestServer,
  TEST_ADMIN_KEY, type TestServer,
} from '../src/testing/index.js';

let server: TestServer;
const mlpInput = { inputs: [{ name: 'input', shape: [1, 4], datatype: 'FP32', data: [1, 2, 3, 4] }] };

function slowRequest(n: number): unknown {
  return { inputs: [{ name: 'x', shape: [1, 64], datatype: 'FP32', data: Array(64).fill(0.1) }, { name: 'n', shape: [], datatype: 'INT64', data: [n] }] };
}

async function post(target: TestServer, path: string, body: unknown): Promise<{ status: number; body: any; ms: number }> {
  const started = performance.now();
  const response = await target.call(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: response.status, body: await response.json(), ms: performance.now() - started };
}

/** Pids of this process's model workers (children running worker-main.js). */
async function workerPids(): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const status = await readFile(`/proc/${entry}/status`, 'utf8');
      const cmdline = await readFile(`/proc/${entry}/cmdline`, 'utf8');
      if (new RegExp(`\\nPPid:\\s+${process.pid}\\n`).test(status) && cmdline.includes('worker-main.js')) pids.push(Number(entry));
    } catch { /* gone */ }
  }
  return pids;
}

async function eventually<T>(probe: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('condition not reached in time');
}

describe('isolation of models', () => {
  before(async () => {
    server = await startTestServer(['--probe-memory-bytes', String(512 * 1024 * 1024), '--probe-timeout-ms', '10000']);
    await server.client.createModel({ name: 'mlp' });
    await server.client.pushVersion('mlp', buildMlp());
    await server.client.createModel({ name: 'slow', runtime: { timeoutMs: 1500 } });
    assert.equal((await server.client.pushVersion('slow', buildInputControlledSlowModel())).state, 'READY');
  });
  after(() => server.close());

  it('answers a hung model with 504 while another model keeps answering, then serves it again', async () => {
    assert.equal((await post(server, '/v2/models/slow/infer', slowRequest(10))).status, 200);
    const hung = post(server, '/v2/models/slow/infer', slowRequest(1e9));
    const during: number[] = [];
    for (let i = 0; i < 5; i++) {
      const answer = await post(server, '/v2/models/mlp/infer', mlpInput);
      assert.equal(answer.status, 200);
      during.push(answer.ms);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const result = await hung;
    assert.equal(result.status, 504, JSON.stringify(result.body));
    assert.equal(result.body.code, 'INFERENCE_TIMEOUT');
    const again = await eventually(async () => {
      const answer = await post(server, '/v2/models/slow/infer', slowRequest(10));
      return answer.status === 200 ? answer : undefined;
    });
    assert.equal(again.body.model_name, 'slow');
  });

  it('fails in-flight requests fast with 503 when a worker dies, and restarts it', async () => {
    assert.equal((await post(server, '/v2/models/slow/infer', slowRequest(10))).status, 200);
    const before = await workerPids();
    assert.ok(before.length >= 2, `expected workers for both models, found ${before.length}`);
    const inFlight = [post(server, '/v2/models/slow/infer', slowRequest(200_000)), post(server, '/v2/models/slow/infer', slowRequest(200_000))];
    await new Promise((resolve) => setTimeout(resolve, 200));
    const started = performance.now();
    for (const pid of before) process.kill(pid, 'SIGKILL');
    const results = await Promise.all(inFlight);
    assert.ok(performance.now() - started < 1000, 'in-flight requests do not hang');
    for (const result of results) {
      assert.equal(result.status, 503, JSON.stringify(result.body));
      assert.ok(['WORKER_CRASHED', 'MODEL_UNAVAILABLE'].includes(result.body.code), result.body.code);
    }
    const recovered = await eventually(async () => {
      const answer = await post(server, '/v2/models/mlp/infer', mlpInput);
      return answer.status === 200 ? answer : undefined;
    });
    assert.equal(recovered.body.model_version, '1');
    const after = await workerPids();
    assert.ok(after.every((pid) => !before.includes(pid)), 'new worker processes replaced the killed ones');
  });

  it('keeps the event loop free while inferences run for seconds', async () => {
    const runs = [post(server, '/v2/models/slow/infer', slowRequest(150_000)), post(server, '/v2/models/slow/infer', slowRequest(150_000))];
    const started = performance.now();
    let worst = 0;
    let probes = 0;
    while (performance.now() - started < 800) {
      const t = performance.now();
      assert.equal((await server.call('/v2/health/live', { key: null })).status, 200);
      worst = Math.max(worst, performance.now() - t);
      probes++;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const results = await Promise.all(runs);
    const slowest = Math.max(...results.map((r) => r.ms));
    assert.ok(results.every((r) => r.status === 200), JSON.stringify(results.map((r) => r.body)).slice(0, 400));
    assert.ok(probes > 10, `only ${probes} health probes answered in 800 ms`);
    assert.ok(worst < slowest / 2, `a health probe waited ${worst.toFixed(0)} ms while inferences took ${slowest.toFixed(0)} ms`);
  });

  it('marks a model that exhausts the validator\'s memory FAILED, and keeps serving', async () => {
    await server.client.createModel({ name: 'bomb' });
    const version = await server.client.pushVersion('bomb', buildMemoryBombModel({ side: 46341 }));
    assert.equal(version.state, 'FAILED');
    assert.match(version.error ?? '', /memory/);
    assert.equal((await post(server, '/v2/models/mlp/infer', mlpInput)).status, 200);
  });

  it('marks a model that outlasts the validator\'s time cap FAILED', async () => {
    const quick = await startTestServer(['--probe-timeout-ms', '1000']);
    try {
      await quick.client.createModel({ name: 'forever' });
      const version = await quick.client.pushVersion('forever', buildSlowModel({ iterations: 1e9 }));
      assert.equal(version.state, 'FAILED');
      assert.match(version.error ?? '', /longer than 1000 ms/);
    } finally {
      await quick.close();
    }
  });
});

describe('kill -9 of the server', () => {
  let dataDir = '';
  before(async () => { dataDir = await mkdtemp(join(tmpdir(), 'tessera-kill-')); });
  after(() => rm(dataDir, { recursive: true, force: true }));

  const auth = { authorization: `Bearer ${TEST_ADMIN_KEY}` };

  async function storedFiles(): Promise<string[]> {
    return (await readdir(join(dataDir, 'artifacts'), { recursive: true }).catch(() => [])).map(String).filter((f) => /\.onnx|\.part/.test(f));
  }

  it('during an upload leaves no partial version, and during validation none either', async () => {
    let first = await spawnServerProcess(dataDir);
    await fetch(`${first.url}/api/models`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: '{"name":"m"}' });
    const bytes = buildMlp({ hidden: 256 });
    let sent = 0;
    const slowBody = new ReadableStream<Uint8Array>({
      async pull(controller) {
        if (sent++ > 0) return controller.close();
        controller.enqueue(bytes.subarray(0, 1024));
        await new Promise((resolve) => setTimeout(resolve, 3000));
      },
    });
    const upload = fetch(`${first.url}/api/models/m/versions`, { method: 'POST', headers: { ...auth, 'content-type': 'application/octet-stream' }, body: slowBody, duplex: 'half' } as RequestInit).catch((error: Error) => error);
    await eventually(async () => ((await storedFiles()).some((f) => f.endsWith('.part')) ? true : undefined));
    first.child.kill('SIGKILL');
    assert.ok((await upload) instanceof Error);

    let second = await spawnServerProcess(dataDir, ['--probe-timeout-ms', '60000']);
    assert.deepEqual(await storedFiles(), [], 'the partial upload was removed at start');
    let versions = await (await fetch(`${second.url}/api/models/m/versions`, { headers: auth })).json();
    assert.deepEqual(versions.items, []);

    const slowProbe = buildSlowModel({ iterations: 5_000_000 });
    const validating = fetch(`${second.url}/api/models/m/versions`, { method: 'POST', headers: { ...auth, 'content-type': 'application/octet-stream' }, body: Buffer.from(slowProbe) }).catch((error: Error) => error);
    await eventually(async () => {
      const list = await (await fetch(`${second.url}/api/models/m/versions`, { headers: auth })).json();
      return list.items.some((v: any) => v.state === 'VALIDATING') ? true : undefined;
    });
    second.child.kill('SIGKILL');
    await validating;

    const third = await spawnServerProcess(dataDir);
    versions = await (await fetch(`${third.url}/api/models/m/versions`, { headers: auth })).json();
    assert.deepEqual(versions.items, [], 'a version caught in validation is removed, not left half-done');
    assert.deepEqual(await storedFiles(), []);
    const pushed = await (await fetch(`${third.url}/api/models/m/versions`, { method: 'POST', headers: { ...auth, 'content-type': 'application/octet-stream' }, body: Buffer.from(bytes) })).json();
    assert.equal(pushed.state, 'READY');
    third.child.kill('SIGKILL');
    first = second = third;
    void first; void second;
  });
});
