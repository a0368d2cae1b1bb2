/**
 * Encryption at rest over real servers (security.md §4.3, B37, B42): model files never reach the disk in plain text,
 * tampered artifacts and envelopes fail closed as CORRUPT and stay refused, a wrong or missing master key never falls
 * back to plain text, and master-key rotation runs under traffic without a failed request.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rename, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as ort from 'onnxruntime-node';
import { BUNDLED_MODELS } from '../src/bundled/index.js';
import { loadConfig } from '../src/config/index.js';
import { openDatabase } from '../src/db/index.js';
import { startServer } from '../src/main.js';
import { generateMasterKeyText, parseMasterKey } from '../src/security/index.js';
import {
  buildInputControlledSlowModel, buildMlp, mlpReference, seededRandom, startTestServer, TEST_ADMIN_KEY, type MlpOptions,
} from '../src/testing/index.js';

interface Server {
  url: string;
  lines: string[];
  call(path: string, init?: RequestInit & { key?: string | null }): Promise<Response>;
  close(): Promise<void>;
}

let root: string;
let dataDir: string;
let keyFile: string;
let server: Server | undefined;

/** A real server on the shared data folder, with its announce lines captured (startTestServer does not expose them). */
async function start(flags: string[]): Promise<Server> {
  const config = loadConfig(['--port', '0', '--data', dataDir, '--seed-default-model', 'false', '--log-level', 'silent', ...flags], { TESSERA_ADMIN_KEY: TEST_ADMIN_KEY });
  const lines: string[] = [];
  const running = await startServer(config, (line) => lines.push(line));
  return {
    url: running.url, lines,
    call: (path, init = {}) => {
      const headers = new Headers(init.headers);
      const key = init.key === undefined ? TEST_ADMIN_KEY : init.key;
      if (key !== null) headers.set('authorization', `Bearer ${key}`);
      return fetch(`${running.url}${path}`, { ...init, headers });
    },
    close: () => running.close(),
  };
}

async function restart(flags: string[] = ['--master-key-file', keyFile]): Promise<Server> {
  await server?.close();
  server = undefined;
  server = await start(flags);
  return server;
}

function srv(): Server {
  assert.ok(server, 'no server running');
  return server;
}

async function request(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const init: RequestInit = body instanceof Uint8Array
    ? { method, headers: { 'content-type': 'application/octet-stream' }, body: Buffer.from(body) }
    : { method, headers: body === undefined ? {} : { 'content-type': 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) };
  const response = await srv().call(path, init);
  const text = await response.text();
  return { status: response.status, body: text === '' ? undefined : JSON.parse(text) };
}

async function ok(method: string, path: string, body?: unknown, status = 200): Promise<any> {
  const answer = await request(method, path, body);
  assert.equal(answer.status, status, `${method} ${path}: ${JSON.stringify(answer.body)}`);
  return answer.body;
}

async function push(model: string, bytes: Uint8Array): Promise<number> {
  const version = await ok('POST', `/api/models/${model}/versions`, bytes, 201);
  assert.equal(version.state, 'READY', JSON.stringify(version));
  return version.version;
}

const MLP_INPUT = [0.5, -1, 2, 0.25];
const mlpBody = { inputs: [{ name: 'input', shape: [1, 4], datatype: 'FP32', data: MLP_INPUT }] };

async function inferMlp(path: string): Promise<{ status: number; body: any }> {
  return request('POST', `${path}/infer`, mlpBody);
}

async function assertMlpAnswer(path: string, options: MlpOptions): Promise<void> {
  const answer = await inferMlp(path);
  assert.equal(answer.status, 200, `${path}: ${JSON.stringify(answer.body)}`);
  const expected = mlpReference(options, MLP_INPUT);
  const data: number[] = answer.body.outputs[0].data;
  assert.equal(data.length, expected.length);
  data.forEach((value, i) => assert.ok(Math.abs(value - expected[i]) < 1e-5, `${path} output ${i}: ${value} vs ${expected[i]}`));
}

async function assertRefused(path: string, code: string): Promise<void> {
  const answer = await inferMlp(path);
  assert.equal(answer.status, 503, `${path}: ${JSON.stringify(answer.body)}`);
  assert.equal(answer.body.code, code, `${path}: ${JSON.stringify(answer.body)}`);
}

/** The answers of a refused version: the first (which tries to load it), its state, then a second one. */
async function refusalProblems(model: string, version: number, code: string, expectedState: string): Promise<string[]> {
  const path = `/v2/models/${model}/versions/${version}`;
  const problems: string[] = [];
  for (const attempt of ['first', 'second']) {
    const answer = await inferMlp(path);
    if (answer.status !== 503 || answer.body?.code !== code) problems.push(`${path} ${attempt} answer: ${answer.status} ${answer.body?.code} (${answer.body?.error ?? ''})`);
    if (attempt === 'first') {
      const state = await stateOf(model, version);
      if (state !== expectedState) problems.push(`${path} state ${state}, expected ${expectedState}`);
    }
  }
  return problems;
}

async function stateOf(model: string, version: number): Promise<string> {
  return (await ok('GET', `/api/models/${model}/versions/${version}`)).state;
}

/** Every regular file under `folder`, recursively. */
async function filesUnder(folder: string): Promise<string[]> {
  const names = await readdir(folder, { recursive: true });
  const files: string[] = [];
  for (const name of names) {
    const path = join(folder, String(name));
    if ((await stat(path)).isFile()) files.push(path);
  }
  return files;
}

/**
 * The 32-byte blocks of `plains` that start at multiples of 32. Any 64-byte window of a plain file covers one of
 * them, so a stored file holding no such block holds no 64-byte window of any plain file.
 */
function alignedBlocks(plains: readonly Uint8Array[]): Set<string> {
  const blocks = new Set<string>();
  for (const plain of plains) {
    for (let offset = 0; offset + 32 <= plain.byteLength; offset += 32) blocks.add(Buffer.from(plain.subarray(offset, offset + 32)).toString('latin1'));
  }
  return blocks;
}

/** The offset in `stored` of the first 32 bytes found in `blocks`, or -1. */
function firstSharedBlock(stored: Buffer, blocks: ReadonlySet<string>): number {
  for (let offset = 0; offset + 32 <= stored.byteLength; offset++) {
    if (blocks.has(stored.toString('latin1', offset, offset + 32))) return offset;
  }
  return -1;
}

interface VersionRow { id: number; version: number; artifact_id: string; encryption_json: string | null }

/** The version rows of a model, read straight from SQLite (works while the server runs: WAL). */
function versionRows(model: string): VersionRow[] {
  const db = openDatabase(join(dataDir, 'tessera.db'));
  try {
    return db.prepare<VersionRow>(`SELECT v.id, v.version, v.artifact_id, v.encryption_json FROM versions v JOIN models m ON m.id = v.model_id
      WHERE m.name = ? ORDER BY v.version`).all(model);
  } finally {
    db.close();
  }
}

function artifactFile(artifactId: string): string {
  return join(dataDir, 'artifacts', artifactId.slice(0, 2), `${artifactId}.onnx`);
}

async function flipBitInTheMiddle(path: string): Promise<void> {
  const bytes = await readFile(path);
  bytes[Math.floor(bytes.byteLength / 2)] ^= 0x10;
  await writeFile(path, bytes);
}

/** Deterministic [1, 3, 48, 192] input for the PP-OCR orientation classifier. */
const CLS_SHAPE = [1, 3, 48, 192];
const clsInput = (() => {
  const random = seededRandom(42);
  return Float32Array.from({ length: 3 * 48 * 192 }, () => Math.fround(random() * 2 - 1));
})();
let clsReference: Float32Array;
let clsBytes: Uint8Array;

async function assertClsAnswer(): Promise<void> {
  const answer = await request('POST', '/v2/models/cls/infer', { inputs: [{ name: 'x', shape: CLS_SHAPE, datatype: 'FP32', data: [...clsInput] }] });
  assert.equal(answer.status, 200, JSON.stringify(answer.body));
  const data: number[] = answer.body.outputs[0].data;
  assert.equal(data.length, clsReference.length);
  data.forEach((value, i) => assert.ok(Math.abs(value - clsReference[i]) < 1e-5, `cls output ${i}: ${value} vs ${clsReference[i]}`));
}

const TAMPER_SEEDS = [11, 12, 13, 14, 15, 16, 17, 18];
const BIG_MLP: MlpOptions = { hidden: 50_000, seed: 16 };
const tamperOptions = (version: number): MlpOptions => (version === 6 ? BIG_MLP : { seed: TAMPER_SEEDS[version - 1] });
const slowBody = (n: number): unknown => ({
  inputs: [{ name: 'x', shape: [1, 64], datatype: 'FP32', data: Array(64).fill(0.1) }, { name: 'n', shape: [], datatype: 'INT64', data: [n] }],
});

describe('encryption at rest', () => {
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'tessera-encryption-'));
    dataDir = join(root, 'data');
    keyFile = join(root, 'master.key');
    clsBytes = await readFile(BUNDLED_MODELS.textOrientation);
    const session = await ort.InferenceSession.create(clsBytes);
    try {
      const out = await session.run({ [session.inputNames[0]]: new ort.Tensor('float32', clsInput, CLS_SHAPE) });
      clsReference = out[session.outputNames[0]].data as Float32Array;
    } finally {
      await session.release();
    }
    await restart();
    assert.ok(existsSync(keyFile), 'the key file is created on first start');
    assert.equal((await stat(keyFile)).mode & 0o077, 0, 'the key file is private (0600)');
    await ok('POST', '/api/models', { name: 'mlp' }, 201);
    await push('mlp', buildMlp({ seed: 1 }));
    await ok('POST', '/api/models', { name: 'cls' }, 201);
    await push('cls', clsBytes);
    await ok('POST', '/api/models', { name: 'tamper' }, 201);
    for (let version = 1; version <= TAMPER_SEEDS.length; version++) assert.equal(await push('tamper', buildMlp(tamperOptions(version))), version);
    await ok('POST', '/api/models', { name: 'slow', runtime: { instances: 1, timeoutMs: 800 } }, 201);
    await push('slow', buildInputControlledSlowModel());
  });
  after(async () => {
    await server?.close();
    await rm(root, { recursive: true, force: true });
  });

  it('stores only ciphertext: no 64-byte window of any model and no recognisable protobuf strings; answers equal the plain model\'s', async () => {
    const plains = [buildMlp({ seed: 1 }), clsBytes, ...TAMPER_SEEDS.map((_, i) => buildMlp(tamperOptions(i + 1))), buildInputControlledSlowModel()];
    const session = await ort.InferenceSession.create(clsBytes);
    const clsNames = [...session.inputNames, ...session.outputNames].filter((name) => name.length >= 4);
    await session.release();
    const strings = ['tessera-testing', 'PaddlePaddle', 'MatMul', 'Softmax', 'probabilities', 'Conv', 'BatchNormalization', 'HardSigmoid',
      'GlobalAveragePool', 'batch_norm_0', 'controlled_slow', 'slow_body', ...clsNames];
    const files = await filesUnder(join(dataDir, 'artifacts'));
    assert.ok(files.length >= plains.length, `${files.length} artifact files for ${plains.length} versions`);
    const blocks = alignedBlocks(plains);
    for (const file of files) {
      const stored = await readFile(file);
      if (file.endsWith('.onnx')) assert.equal(stored.subarray(0, 4).toString('latin1'), 'TSRA', `${file} starts with the encrypted-artifact magic`);
      for (const text of strings) assert.equal(stored.indexOf(Buffer.from(text, 'utf8')), -1, `${file} contains "${text}"`);
      assert.equal(firstSharedBlock(stored, blocks), -1, `${file} contains plain model bytes`);
    }
    const db = await readFile(join(dataDir, 'tessera.db'));
    assert.equal(firstSharedBlock(db, blocks), -1, 'the database holds no model bytes either');
    await assertMlpAnswer('/v2/models/mlp', { seed: 1 });
    await assertClsAnswer();
    const status = await ok('GET', '/api/encryption');
    assert.equal(status.encrypted, true);
    assert.equal(status.masterKeyId, parseMasterKey(await readFile(keyFile, 'utf8')).id);
    assert.ok(!JSON.stringify(status).includes((await readFile(keyFile, 'utf8')).trim()), 'the key itself is never shown');
  });

  it('B37: a flipped bit, swapped files, swapped envelopes and a dropped last chunk → 503 VERSION_CORRUPT, state CORRUPT, never served again', async () => {
    for (let version = 1; version <= TAMPER_SEEDS.length; version++) await assertMlpAnswer(`/v2/models/tamper/versions/${version}`, tamperOptions(version));
    // While running: unload, damage the file, infer again (nothing is cached across an unload).
    const rows = versionRows('default/tamper');
    assert.deepEqual(rows.map((r) => r.version), [1, 2, 3, 4, 5, 6, 7, 8]);
    assert.ok(rows.every((r) => r.encryption_json !== null && existsSync(artifactFile(r.artifact_id))));
    await ok('POST', '/v2/repository/models/tamper/unload');
    await flipBitInTheMiddle(artifactFile(rows[7].artifact_id));
    const problems = await refusalProblems('tamper', 8, 'VERSION_CORRUPT', 'CORRUPT');

    await server!.close();
    server = undefined;
    const byVersion = new Map(rows.map((r) => [r.version, r]));
    const file = (version: number): string => artifactFile(byVersion.get(version)!.artifact_id);
    await flipBitInTheMiddle(file(1));
    await rename(file(2), `${file(2)}.swap`);
    await rename(file(3), file(2));
    await rename(`${file(2)}.swap`, file(3));
    const db = openDatabase(join(dataDir, 'tessera.db'));
    try {
      const update = db.prepare('UPDATE versions SET encryption_json = ? WHERE id = ?');
      db.immediate(() => {
        update.run(byVersion.get(5)!.encryption_json, byVersion.get(4)!.id);
        update.run(byVersion.get(4)!.encryption_json, byVersion.get(5)!.id);
      });
    } finally {
      db.close();
    }
    const big = (await stat(file(6))).size;
    const oneFullChunk = 16 + 1024 * 1024 + 16;
    assert.ok(big > oneFullChunk + 16, `the big model spans more than one chunk (${big} bytes)`);
    await truncate(file(6), oneFullChunk);

    await restart();
    for (const version of [1, 2, 3, 4, 5, 6, 8]) problems.push(...await refusalProblems('tamper', version, 'VERSION_CORRUPT', 'CORRUPT'));
    await assertMlpAnswer('/v2/models/tamper/versions/7', tamperOptions(7));
    await assertMlpAnswer('/v2/models/tamper', tamperOptions(7));
    await assertMlpAnswer('/v2/models/mlp', { seed: 1 });
    await assertClsAnswer();
    await ok('POST', '/v2/repository/models/tamper/unload');
    await assertRefused('/v2/models/tamper/versions/1', 'VERSION_CORRUPT');
    await assertMlpAnswer('/v2/models/tamper/versions/7', tamperOptions(7));
    assert.deepEqual(problems, [], 'every tampered version must answer 503 VERSION_CORRUPT from its first request on');
  });

  it('B42: rotating the master key while a client infers in a loop fails no request; every model still loads afterwards', async () => {
    const before = await ok('GET', '/api/encryption');
    const oldText = await readFile(keyFile, 'utf8');
    await assertMlpAnswer('/v2/models/mlp', { seed: 1 });
    await assertClsAnswer();
    let running = true;
    let done = 0;
    const failures: string[] = [];
    const loop = async (check: () => Promise<void>): Promise<void> => {
      while (running) {
        try { await check(); done += 1; } catch (error) { failures.push(String(error).slice(0, 300)); }
      }
    };
    const loops = [loop(() => assertMlpAnswer('/v2/models/mlp', { seed: 1 })), loop(() => assertClsAnswer()),
      loop(() => assertMlpAnswer('/v2/models/tamper/versions/7', tamperOptions(7)))];
    await new Promise((resolve) => setTimeout(resolve, 300));
    const report = await ok('POST', '/api/encryption/rotate', {});
    await new Promise((resolve) => setTimeout(resolve, 300));
    running = false;
    await Promise.all(loops);
    assert.deepEqual(failures, [], `${failures.length} of ${done + failures.length} requests failed during the rotation`);
    assert.ok(done > 10, `only ${done} requests ran`);

    const newText = await readFile(keyFile, 'utf8');
    assert.notEqual(newText.trim(), oldText.trim(), 'the key file holds the next key');
    assert.equal(existsSync(`${keyFile}.next`), false);
    const afterRotation = await ok('GET', '/api/encryption');
    assert.equal(report.from, before.masterKeyId);
    assert.equal(report.to, afterRotation.masterKeyId);
    assert.notEqual(afterRotation.masterKeyId, before.masterKeyId);
    assert.equal(afterRotation.masterKeyId, parseMasterKey(newText).id);
    assert.ok(versionRows('default/mlp').every((r) => JSON.parse(r.encryption_json!).kek === afterRotation.masterKeyId), 'envelopes are re-wrapped');

    for (const model of ['mlp', 'cls', 'tamper']) await ok('POST', `/v2/repository/models/${model}/unload`);
    await assertMlpAnswer('/v2/models/mlp', { seed: 1 });
    await assertClsAnswer();
    await assertMlpAnswer('/v2/models/tamper/versions/7', tamperOptions(7));
    await restart();
    await assertMlpAnswer('/v2/models/mlp', { seed: 1 });
    await assertClsAnswer();
    await assertMlpAnswer('/v2/models/tamper/versions/7', tamperOptions(7));
    for (const version of [1, 4, 6]) await assertRefused(`/v2/models/tamper/versions/${version}`, 'VERSION_CORRUPT');
  });

  it('B42: a version loaded before a rotation still serves when its worker restarts after it (timeout → respawn)', async () => {
    const path = '/v2/models/slow/versions/1/infer';
    const first = await request('POST', path, slowBody(0));
    assert.equal(first.status, 200, JSON.stringify(first.body));
    await ok('POST', '/api/encryption/rotate', {});
    const hung = await request('POST', path, slowBody(1e9));
    assert.equal(hung.status, 504, JSON.stringify(hung.body));
    let last: { status: number; body: any } = hung;
    for (const deadline = Date.now() + 10_000; Date.now() < deadline;) {
      last = await request('POST', path, slowBody(0));
      if (last.status === 200 || last.body?.code === 'VERSION_CORRUPT') break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const state = await stateOf('slow', 1);
    assert.equal(last.status, 200, `after the respawn: ${JSON.stringify(last.body)} (version state ${state})`);
    assert.equal(state, 'READY');
  });

  it('without a master key: encrypted versions answer 503 MASTER_KEY_REQUIRED (no plaintext, not CORRUPT), rotate is 409, and the start warns', async () => {
    await restart([]);
    assert.ok(srv().lines.some((line) => /WARNING: no master key/.test(line)), srv().lines.join('\n'));
    const problems = [...await refusalProblems('mlp', 1, 'MASTER_KEY_REQUIRED', 'READY'), ...await refusalProblems('tamper', 7, 'MASTER_KEY_REQUIRED', 'READY')];
    const rotate = await request('POST', '/api/encryption/rotate', {});
    assert.equal(rotate.status, 409);
    assert.equal(rotate.body.code, 'MASTER_KEY_NOT_ROTATABLE');
    assert.equal((await ok('GET', '/api/encryption')).encrypted, false);
    await server!.close();
    server = undefined;
    assert.deepEqual(problems, [], 'an encrypted version without a master key must answer 503 MASTER_KEY_REQUIRED and stay READY');
  });

  it('a different master key file: versions fail closed as CORRUPT and stay refused (no plaintext fallback)', async () => {
    const missing = join(root, 'missing.key');
    await assert.rejects(start(['--master-key-file', missing]), /did not exist/, 'a missing key file on a folder with encrypted versions refuses to start');
    const otherKey = join(root, 'other.key');
    await writeFile(otherKey, `${generateMasterKeyText()}\n`, { mode: 0o600 });
    await restart(['--master-key-file', otherKey]);
    assert.notEqual(parseMasterKey(await readFile(otherKey, 'utf8')).id, parseMasterKey(await readFile(keyFile, 'utf8')).id);
    assert.equal(srv().lines.some((line) => /WARNING: no master key/.test(line)), false);
    const problems = [...await refusalProblems('mlp', 1, 'VERSION_CORRUPT', 'CORRUPT'), ...await refusalProblems('tamper', 7, 'VERSION_CORRUPT', 'CORRUPT')];
    const cls = await request('POST', '/v2/models/cls/infer', { inputs: [{ name: 'x', shape: CLS_SHAPE, datatype: 'FP32', data: [...clsInput] }] });
    assert.equal(cls.status, 503, 'never plaintext, never an answer under the wrong key');
    assert.deepEqual(problems, [], 'a version sealed under another master key must answer 503 VERSION_CORRUPT from its first request on');
  });

  it('a master key given directly (--master-key) cannot be rotated: 409 MASTER_KEY_NOT_ROTATABLE', async () => {
    const direct = await startTestServer(['--master-key', 'ab'.repeat(32)]);
    try {
      const status = await (await direct.call('/api/encryption')).json();
      assert.equal(status.encrypted, true);
      const rotate = await direct.call('/api/encryption/rotate', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
      assert.equal(rotate.status, 409);
      assert.equal((await rotate.json()).code, 'MASTER_KEY_NOT_ROTATABLE');
      assert.equal((await direct.call('/api/encryption')).status, 200);
      assert.equal((await (await direct.call('/api/encryption')).json()).masterKeyId, status.masterKeyId);
    } finally {
      await direct.close();
    }
  });
});
