import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TesseraClient } from '../client/index.js';
import { loadConfig } from '../config/index.js';
import { startServer, type RunningServer } from '../main.js';

export const TEST_ADMIN_KEY = 'test-admin-key-0123456789abcdef';
const CLI = fileURLToPath(new URL('../cli/main.js', import.meta.url));

export interface TestServer {
  url: string;
  key: string;
  dataDir: string;
  client: TesseraClient;
  running: RunningServer;
  /** fetch against the server with the admin key (pass `key: null` to send none). */
  call(path: string, init?: RequestInit & { key?: string | null }): Promise<Response>;
  close(): Promise<void>;
}

/** A real server in this process on a free port, with a fresh data folder (removed on close). */
export async function startTestServer(flags: string[] = [], options: { dataDir?: string } = {}): Promise<TestServer> {
  const dataDir = options.dataDir ?? await mkdtemp(join(tmpdir(), 'tessera-test-'));
  const config = loadConfig(['--port', '0', '--data', dataDir, '--seed-default-model', 'false', '--log-level', 'silent', ...flags], { TESSERA_ADMIN_KEY: TEST_ADMIN_KEY });
  const running = await startServer(config);
  const client = new TesseraClient({ url: running.url, key: TEST_ADMIN_KEY });
  return {
    url: running.url, key: TEST_ADMIN_KEY, dataDir, client, running,
    call: (path, init = {}) => {
      const headers = new Headers(init.headers);
      const key = init.key === undefined ? TEST_ADMIN_KEY : init.key;
      if (key !== null && !headers.has('authorization')) headers.set('authorization', `Bearer ${key}`);
      return fetch(`${running.url}${path}`, { ...init, headers });
    },
    async close() {
      await running.close();
      if (options.dataDir === undefined) await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 0));
    });
  });
}

export interface ServerProcess {
  url: string;
  child: ChildProcess;
  output: () => string;
}

/** `tessera serve` as a separate process (for kill -9 tests); resolves once readiness answers 200. */
export async function spawnServerProcess(dataDir: string, flags: string[] = []): Promise<ServerProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, [CLI, 'serve', '--port', String(port), '--data', dataDir, '--seed-default-model', 'false', '--log-level', 'warn', ...flags], {
    env: { ...process.env, TESSERA_ADMIN_KEY: TEST_ADMIN_KEY },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => { output += chunk.toString(); });
  child.stderr?.on('data', (chunk: Buffer) => { output += chunk.toString(); });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`server exited early: ${output}`);
    try {
      if ((await fetch(`${url}/v2/health/ready`)).status === 200) return { url, child, output: () => output };
    } catch { /* not listening yet */ }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  child.kill('SIGKILL');
  throw new Error(`server did not become ready: ${output}`);
}
