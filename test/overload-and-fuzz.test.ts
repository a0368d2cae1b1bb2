/**
 * Battery items about resource consumption that the other files do not cover: a saturated queue (B29, second half),
 * output amplification (B26), a body in 1-byte chunks (B20), and mutated models through the pre-parser and the
 * upload pipeline (B17, a bounded run: the long fuzz belongs to a soak run).
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, it } from 'node:test';
import { isServingError } from '../src/core/index.js';
import { inspectOnnx } from '../src/optimizer/index.js';
import {
  buildIdentityModel, buildInputControlledSlowModel, buildMlp, buildSmallCnn, startTestServer, TEST_ADMIN_KEY, type TestServer,
} from '../src/testing/index.js';

let server: TestServer;

async function deploy(name: string, bytes: Uint8Array, runtime?: Record<string, number>): Promise<void> {
  await server.client.createModel({ name, ...(runtime ? { runtime } : {}) });
  const version = await server.client.pushVersion(name, bytes);
  assert.equal(version.state, 'READY', `${name}: ${version.error}`);
}

function postJson(path: string, body: unknown): Promise<Response> {
  return server.call(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
}

/** A deterministic stream of pseudo-random numbers (xorshift), so a failing mutation can be replayed. */
function randomSource(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 0x1_0000_0000;
  };
}

/** One mutation: flipped bytes, a truncation, a duplicated slice, or random bytes spliced in. */
function mutate(source: Uint8Array, random: () => number): Uint8Array {
  const bytes = Uint8Array.from(source);
  const at = Math.floor(random() * bytes.length);
  switch (Math.floor(random() * 4)) {
    case 0:
      for (let i = 0; i < 1 + Math.floor(random() * 8); i++) bytes[Math.floor(random() * bytes.length)] = Math.floor(random() * 256);
      return bytes;
    case 1:
      return bytes.subarray(0, at);
    case 2: {
      const slice = bytes.subarray(at, Math.min(bytes.length, at + 1 + Math.floor(random() * 64)));
      return Uint8Array.from([...bytes.subarray(0, at), ...slice, ...bytes.subarray(at)]);
    }
    default: {
      const noise = Uint8Array.from({ length: 1 + Math.floor(random() * 32) }, () => Math.floor(random() * 256));
      return Uint8Array.from([...bytes.subarray(0, at), ...noise, ...bytes.subarray(at)]);
    }
  }
}

before(async () => {
  server = await startTestServer(['--max-queue', '2', '--max-output-bytes', '4096']);
  await deploy('slow', buildInputControlledSlowModel(), { instances: 1 });
  await deploy('mlp', buildMlp({ seed: 4 }));
  await deploy('id-fp32', buildIdentityModel('FP32'));
});
after(() => server.close());

describe('overload and amplification', () => {
  it('B29: a saturated model queue answers 503 QUEUE_FULL with Retry-After at once; the rest are served', async () => {
    const slow = { inputs: [{ name: 'x', shape: [1, 64], datatype: 'FP32', data: Array(64).fill(0.1) }, { name: 'n', shape: [], datatype: 'INT64', data: [40_000] }] };
    const answers = await Promise.all(Array.from({ length: 10 }, () => postJson('/v2/models/slow/infer', slow)));
    const full = answers.filter((answer) => answer.status === 503);
    const served = answers.filter((answer) => answer.status === 200);
    assert.ok(full.length >= 1, `expected refusals, got ${answers.map((a) => a.status).join(',')}`);
    assert.ok(served.length >= 2, 'the requests that fit (pipeline + queue) are served');
    assert.equal(full.length + served.length, 10);
    for (const answer of full) {
      assert.equal((await answer.json()).code, 'QUEUE_FULL');
      assert.ok(Number(answer.headers.get('retry-after')) >= 1);
    }
  });

  it('B26: outputs over --max-output-bytes answer 500 OUTPUT_TOO_LARGE; smaller ones pass', async () => {
    const small = await postJson('/v2/models/id-fp32/infer', { inputs: [{ name: 'x', shape: [1, 256], datatype: 'FP32', data: Array(256).fill(1) }] });
    assert.equal(small.status, 200);
    const big = await postJson('/v2/models/id-fp32/infer', { inputs: [{ name: 'x', shape: [4, 512], datatype: 'FP32', data: Array(2048).fill(1) }] });
    assert.equal(big.status, 500);
    const body = await big.json();
    assert.equal(body.code, 'OUTPUT_TOO_LARGE');
    assert.match(body.error, /8192 bytes.*4096/);
  });

  it('B20: a JSON body sent in 1-byte chunks (no Content-Length) is read correctly; 100k tiny chunks stay bounded', async () => {
    const url = new URL(server.url);
    const send = (body: string, chunkSize: number): Promise<{ status: number; text: string }> => new Promise((resolve, reject) => {
      const request = http.request({ host: url.hostname, port: url.port, method: 'POST', path: '/v2/models/mlp/infer', headers: {
        authorization: `Bearer ${TEST_ADMIN_KEY}`, 'content-type': 'application/json', 'transfer-encoding': 'chunked',
      } }, (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => { text += chunk; });
        response.on('end', () => resolve({ status: response.statusCode ?? 0, text }));
      });
      request.on('error', reject);
      for (let i = 0; i < body.length; i += chunkSize) request.write(body.slice(i, i + chunkSize));
      request.end();
    });
    const body = JSON.stringify({ inputs: [{ name: 'input', shape: [1, 4], datatype: 'FP32', data: [1, 2, 3, 4] }] });
    const byByte = await send(body, 1);
    assert.equal(byByte.status, 200, byByte.text);
    const padded = `${body.slice(0, -1)}${' '.repeat(100_000)}}`;
    const tiny = await send(padded, 1);
    assert.ok([200, 413].includes(tiny.status), `${tiny.status} ${tiny.text.slice(0, 200)}`);
    assert.equal((await postJson('/v2/models/mlp/infer', JSON.parse(body))).status, 200, 'the server still answers');
  });
});

describe('B17: mutated models', () => {
  it('the ONNX pre-parser answers every one of 3,000 mutations with a verdict or a catalogue error, never a crash', () => {
    const random = randomSource(17);
    const seeds = [buildMlp({ seed: 1 }), buildSmallCnn({ seed: 2 }), buildIdentityModel('INT64')];
    const outcomes = { accepted: 0, refused: 0 };
    for (let i = 0; i < 3000; i++) {
      const mutated = mutate(seeds[i % seeds.length], random);
      try {
        inspectOnnx(mutated);
        outcomes.accepted += 1;
      } catch (error) {
        assert.ok(isServingError(error) && ['INVALID_ONNX', 'ONNX_EXTERNAL_DATA', 'ONNX_CUSTOM_DOMAIN'].includes(error.code),
          `mutation ${i}: ${String(error)}`);
        outcomes.refused += 1;
      }
    }
    assert.ok(outcomes.refused > 0 && outcomes.accepted + outcomes.refused === 3000);
  });

  it('mutated uploads end READY or 422 with a FAILED row; the server keeps serving', async () => {
    const random = randomSource(2026);
    const seed = buildMlp({ seed: 5 });
    await server.client.createModel({ name: 'fuzzed' });
    const statuses = new Map<number, number>();
    for (let i = 0; i < 24; i++) {
      const response = await server.call('/api/models/fuzzed/versions', {
        method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: Buffer.from(mutate(seed, random)),
      });
      statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
      const body = await response.json();
      if (response.status === 201) assert.ok(['READY', 'FAILED'].includes(body.state), JSON.stringify(body));
      else assert.equal(response.status, 422, JSON.stringify(body));
    }
    assert.deepEqual([...statuses.keys()].filter((status) => ![201, 422].includes(status)), []);
    const alive = await postJson('/v2/models/mlp/infer', { inputs: [{ name: 'input', shape: [1, 4], datatype: 'FP32', data: [1, 2, 3, 4] }] });
    assert.equal(alive.status, 200);
  });
});
