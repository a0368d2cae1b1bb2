/**
 * Black-box tests of the SDK (src/client) and the `tessera` command (src/cli) against a real server started with
 * `tessera serve` on a free port and a temporary data folder.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { TesseraClient, isTesseraError, type InferTensor } from '../src/client/index.js';
import { buildMlp } from '../src/testing/index.js';

const ADMIN_KEY = 'test-admin-key-0123456789abcdef';
const CLI = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const INPUT: InferTensor = { name: 'input', datatype: 'FP32', shape: [2, 4], data: new Float32Array([0.5, -1, 2, 0.25, 1, 1, 1, 1]) };

let server: ChildProcess | undefined;
let serverOutput = '';
let dataDir = '';
let url = '';
let client: TesseraClient;

describe('tessera SDK and CLI against a real server', () => {
  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'tessera-cli-test-'));
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    server = spawn(process.execPath, [CLI, 'serve', '--port', String(port), '--data', dataDir, '--seed-default-model', 'false', '--log-level', 'warn'], {
      env: { ...process.env, TESSERA_ADMIN_KEY: ADMIN_KEY },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    server.stdout?.on('data', (chunk: Buffer) => { serverOutput += chunk.toString(); });
    server.stderr?.on('data', (chunk: Buffer) => { serverOutput += chunk.toString(); });
    await waitUntilReady(server, `${url}/v2/health/ready`, 20_000);
    client = new TesseraClient({ url, key: ADMIN_KEY });
  });

  after(async () => {
    await stop(server);
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  describe('SDK', () => {
    let v1Answer: number[] = [];

    it('reports health and server metadata', async () => {
      assert.equal(await client.live(), true);
      assert.equal(await client.ready(), true);
      const metadata = await client.serverMetadata();
      assert.equal(typeof metadata.name, 'string');
      assert.ok(Array.isArray(metadata.extensions));
    });

    it('creates a model and pushes v1 (READY, with its signature)', async () => {
      const model = await client.createModel({ name: 'mlp', task: 'classification', description: 'test MLP' });
      assert.equal(model.name, 'mlp');
      const version = await client.pushVersion('mlp', buildMlp({ seed: 1 }));
      assert.equal(version.state, 'READY', version.error ?? '');
      assert.equal(version.version, 1);
      assert.match(version.sha256, /^[0-9a-f]{64}$/);
      assert.deepEqual(version.inputs, [{ name: 'input', datatype: 'FP32', shape: [-1, 4] }]);
      assert.deepEqual(version.outputs, [{ name: 'probabilities', datatype: 'FP32', shape: [-1, 3] }]);
    });

    it('pushes v2 from a stream, reporting progress', async () => {
      const bytes = buildMlp({ seed: 2 });
      const progress: number[] = [];
      const version = await client.pushVersion('mlp', new Blob([bytes as Uint8Array<ArrayBuffer>]).stream(), { onProgress: (sent) => progress.push(sent) });
      assert.equal(version.state, 'READY', version.error ?? '');
      assert.equal(version.version, 2);
      assert.equal(progress.at(-1), bytes.byteLength);
    });

    it('points production at v1 and answers the same numbers in binary and JSON', async () => {
      const alias = await client.setAlias('mlp', 'production', 1);
      assert.deepEqual([alias.name, alias.version], ['production', 1]);
      const binary = await client.infer('mlp', [INPUT], { version: 'production' });
      const json = await client.infer('mlp', [INPUT], { version: 'production', binary: false });
      assert.equal(binary.modelName, 'mlp');
      assert.equal(binary.outputs.length, 1);
      const [output] = binary.outputs;
      assert.deepEqual([output.name, output.datatype, output.shape], ['probabilities', 'FP32', [2, 3]]);
      assert.ok(output.data instanceof Float32Array);
      v1Answer = Array.from(output.data as Float32Array);
      assert.deepEqual(Array.from(json.outputs[0].data as Float32Array), v1Answer);
      const raw = await client.inferRaw('mlp', { inputs: [{ name: 'input', datatype: 'FP32', shape: [2, 4], data: Array.from(INPUT.data as Float32Array) }] }, 'production');
      assert.deepEqual(raw.outputs[0].data, v1Answer);
    });

    it('moves production to v2 (another answer), rolls back to v1 (the first answer)', async () => {
      await client.setAlias('mlp', 'production', 2);
      const moved = await client.infer('mlp', [INPUT], { version: 'production' });
      assert.notDeepEqual(Array.from(moved.outputs[0].data as Float32Array), v1Answer);
      const rolledBack = await client.rollbackAlias('mlp', 'production');
      assert.equal(rolledBack.version, 1);
      const again = await client.infer('mlp', [INPUT], { version: 'production' });
      assert.deepEqual(Array.from(again.outputs[0].data as Float32Array), v1Answer);
    });

    it('keeps the alias history (set, set, rollback)', async () => {
      const history = await client.aliasHistory('mlp', 'production');
      assert.equal(history.length, 3);
      assert.deepEqual(history.map((entry) => entry.action).sort(), ['rollback', 'set', 'set']);
    });

    it('throws TesseraError with the server code: unknown model, bad key, version in use', async () => {
      await assert.rejects(client.getModel('no-such-model'), (error: unknown) => {
        assert.ok(isTesseraError(error));
        assert.deepEqual([error.status, error.code], [404, 'MODEL_NOT_FOUND']);
        return true;
      });
      await assert.rejects(client.infer('no-such-model', [INPUT]), { status: 404, code: 'MODEL_NOT_FOUND' });
      const intruder = new TesseraClient({ url, key: 'not-the-key' });
      await assert.rejects(intruder.listModels(), { status: 401, code: 'UNAUTHENTICATED' });
      await assert.rejects(client.deleteVersion('mlp', 1), { status: 409, code: 'VERSION_IN_USE' });
    });
  });

  describe('CLI', () => {
    it('prints its version and rejects usage mistakes with exit 2', async () => {
      const version = await runCli(['--version']);
      assert.equal(version.code, 0);
      assert.match(version.stdout, /^tessera \S+/);
      const wrong = await runCli(['models', 'frobnicate']);
      assert.equal(wrong.code, 2);
      assert.match(wrong.stderr, /^error: /);
    });

    it('push --alias production creates the model, uploads and sets the alias', async () => {
      const file = join(dataDir, 'cli-mlp.onnx');
      await writeFile(file, buildMlp({ seed: 3 }));
      const result = await runCli(['push', 'cli-mlp', file, '--alias', 'production', '--task', 'classification', '--json']);
      assert.equal(result.code, 0, result.stderr);
      const pushed = JSON.parse(result.stdout);
      assert.equal(pushed.created, true);
      assert.equal(pushed.version.state, 'READY');
      assert.equal(pushed.version.version, 1);
      assert.deepEqual([pushed.alias.name, pushed.alias.version], ['production', 1]);
    });

    it('models list shows both models', async () => {
      const result = await runCli(['models', 'list', '--json']);
      assert.equal(result.code, 0, result.stderr);
      const models = JSON.parse(result.stdout) as Array<{ name: string; aliases: Record<string, number> }>;
      assert.deepEqual(models.map((model) => model.name).sort(), ['cli-mlp', 'mlp']);
      assert.equal(models.find((model) => model.name === 'cli-mlp')?.aliases.production, 1);
    });

    it('alias history shows the one move', async () => {
      const result = await runCli(['alias', 'history', 'cli-mlp', 'production', '--json']);
      assert.equal(result.code, 0, result.stderr);
      const history = JSON.parse(result.stdout) as Array<{ action: string; toVersion: number | null }>;
      assert.equal(history.length, 1);
      assert.deepEqual([history[0].action, history[0].toVersion], ['set', 1]);
    });

    it('infer --data shorthand answers what the SDK answers', async () => {
      const row = [0.5, -1, 2, 0.25];
      const result = await runCli(['infer', 'cli-mlp', '--version', 'production', '--data', JSON.stringify({ input: [row] }), '--json']);
      assert.equal(result.code, 0, result.stderr);
      const answer = JSON.parse(result.stdout) as { outputs: Array<{ name: string; shape: number[]; data: number[] }> };
      assert.deepEqual([answer.outputs[0].name, answer.outputs[0].shape], ['probabilities', [1, 3]]);
      const sdk = await client.infer('cli-mlp', [{ name: 'input', datatype: 'FP32', shape: [1, 4], data: new Float32Array(row) }], { version: 'production' });
      assert.deepEqual(answer.outputs[0].data.flat(), Array.from(sdk.outputs[0].data as Float32Array));
      const human = await runCli(['infer', 'cli-mlp', '--data', JSON.stringify([row])]);
      assert.equal(human.code, 0, human.stderr);
      assert.match(human.stdout, /probabilities\s+FP32\s+\[1, 3\]/);
    });

    it('prints server errors as "error: <message> (<CODE>)" and exits 1', async () => {
      const result = await runCli(['models', 'show', 'no-such-model']);
      assert.equal(result.code, 1);
      assert.match(result.stderr, /^error: .+ \(MODEL_NOT_FOUND\)$/m);
    });
  });
});

/** A port nobody listens on right now. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

async function waitUntilReady(child: ChildProcess, readyUrl: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`tessera serve exited (${child.exitCode ?? child.signalCode}) before it was ready:\n${serverOutput}`);
    }
    try {
      const response = await fetch(readyUrl);
      await response.arrayBuffer();
      if (response.status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`tessera serve was not ready within ${timeoutMs} ms:\n${serverOutput}`);
}

async function stop(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

/** Runs `node dist/src/cli/main.js …` against the test server. */
function runCli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env, TESSERA_URL: url, TESSERA_KEY: ADMIN_KEY };
  delete env.TESSERA_DATA_DIR;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => { stdout += chunk.toString(); });
    child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}
