/**
 * What `npm start` does on a fresh data folder (the bundled PP-OCR classifier served as `text-orientation`), the
 * admin key bootstrap, the real PP-OCRv4 detector through the server, and a graceful shutdown with runs in flight.
 */
import assert from 'node:assert/strict';
import { readFile, stat } from 'node:fs/promises';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { BUNDLED_MODELS } from '../src/bundled/index.js';
import { TesseraClient } from '../src/client/index.js';
import { loadConfig } from '../src/config/index.js';
import { startServer, type RunningServer } from '../src/main.js';
import { buildInputControlledSlowModel, spawnServerProcess, startTestServer } from '../src/testing/index.js';

describe('first start on an empty data folder', () => {
  let dataDir = '';
  let running: RunningServer;
  const lines: string[] = [];

  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'tessera-start-'));
    running = await startServer(loadConfig(['--port', '0', '--data', dataDir, '--log-level', 'silent'], {}), (line) => lines.push(line));
  });
  after(async () => {
    await running.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('generates an admin key once, prints it, saves it 0600, and stores only its hash', async () => {
    const keyFile = join(dataDir, 'admin.key');
    const key = (await readFile(keyFile, 'utf8')).trim();
    assert.match(key, /^tsk_admin_[A-Za-z0-9]{49}$/);
    assert.equal((await stat(keyFile)).mode & 0o777, 0o600);
    assert.ok(lines.some((line) => line.includes(key)), 'printed on the first start');
    const database = await readFile(join(dataDir, 'tessera.db'));
    const wal = await readFile(join(dataDir, 'tessera.db-wal')).catch(() => Buffer.alloc(0));
    assert.equal(database.includes(key) || wal.includes(key), false, 'the database never holds the key itself');
    const client = new TesseraClient({ url: running.url, key });
    assert.equal((await client.listModels()).length, 1);
    await assert.rejects(new TesseraClient({ url: running.url, key: `${key}x` }).listModels(), { status: 401 });
  });

  it('serves the bundled text-orientation classifier with its labels and production alias', async () => {
    const key = (await readFile(join(dataDir, 'admin.key'), 'utf8')).trim();
    const client = new TesseraClient({ url: running.url, key });
    const model = await client.getModel('text-orientation');
    assert.deepEqual(model.labels, ['0', '180']);
    assert.deepEqual(model.aliases, { production: 1 });
    const image = new Float32Array(2 * 3 * 48 * 192).map((_, i) => Math.sin(i) * 0.5);
    const answer = await client.infer('text-orientation', [{ name: 'x', datatype: 'FP32', shape: [2, 3, 48, 192], data: image }]);
    assert.deepEqual(answer.outputs[0].shape, [2, 2]);
    const probabilities = answer.outputs[0].data as Float32Array;
    assert.ok(Math.abs(probabilities[0] + probabilities[1] - 1) < 1e-4 && Math.abs(probabilities[2] + probabilities[3] - 1) < 1e-4);
    const top = await client.infer('text-orientation', [{ name: 'x', datatype: 'FP32', shape: [1, 3, 48, 192], data: image.subarray(0, 3 * 48 * 192) }], { outputs: [{ name: 'softmax_0.tmp_0', classification: 1 }] });
    assert.match(new TextDecoder().decode((top.outputs[0].data as Uint8Array[])[0]), /^0\.\d{6}:[01]:(0|180)$/);
    const curl = lines.find((line) => line.includes('/predictions/text-orientation'));
    assert.ok(curl?.includes('--data-binary @'), 'the start banner shows a ready curl with a sample image');
    for (const [file, label] of [['text-upright.png', '0'], ['text-upside-down.png', '180']]) {
      const image = await readFile(fileURLToPath(new URL(`../../examples/images/${file}`, import.meta.url)));
      const [top] = await client.predictImage('text-orientation', image, { topk: 1 });
      assert.equal(top[0].label, label, file);
    }
  });

  it('refuses a second server on the same data folder', async () => {
    await assert.rejects(spawnServerProcess(dataDir), /in use by another tessera server/);
  });

  it('keeps what is there on the next start, with the same key', async () => {
    const key = (await readFile(join(dataDir, 'admin.key'), 'utf8')).trim();
    await running.close();
    const again: string[] = [];
    running = await startServer(loadConfig(['--port', '0', '--data', dataDir, '--log-level', 'silent'], {}), (line) => again.push(line));
    assert.equal(again.some((line) => line.includes(key)), false, 'the key is printed only once');
    const client = new TesseraClient({ url: running.url, key });
    assert.deepEqual((await client.listVersions('text-orientation')).map((v) => v.version), [1]);
  });
});

describe('the real PP-OCRv4 detector through the server', () => {
  it('uploads, validates and runs it at 1×3×640×640', async () => {
    const server = await startTestServer();
    try {
      await server.client.createModel({ name: 'ocr-det' });
      const version = await server.client.pushVersion('ocr-det', await readFile(BUNDLED_MODELS.detection));
      assert.equal(version.state, 'READY', version.error ?? '');
      assert.deepEqual(version.inputs, [{ name: 'x', datatype: 'FP32', shape: [-1, 3, -1, -1] }]);
      const image = new Float32Array(3 * 640 * 640).fill(0.2);
      const answer = await server.client.infer('ocr-det', [{ name: 'x', datatype: 'FP32', shape: [1, 3, 640, 640], data: image }]);
      assert.deepEqual(answer.outputs[0].shape, [1, 1, 640, 640]);
    } finally {
      await server.close();
    }
  });
});

describe('graceful shutdown', () => {
  it('finishes runs in flight, then stops', async () => {
    const server = await startTestServer();
    await server.client.createModel({ name: 'slow' });
    await server.client.pushVersion('slow', buildInputControlledSlowModel());
    const body = JSON.stringify({ inputs: [{ name: 'x', shape: [1, 64], datatype: 'FP32', data: Array(64).fill(0.1) }, { name: 'n', shape: [], datatype: 'INT64', data: [150_000] }] });
    const inFlight = server.call('/v2/models/slow/infer', { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    await new Promise((resolve) => setTimeout(resolve, 150));
    const closing = server.close();
    const answer = await inFlight;
    assert.equal(answer.status, 200);
    assert.equal((await answer.json()).model_name, 'slow');
    await closing;
    await assert.rejects(fetch(`${server.url}/v2/health/live`));
  });
});
