/**
 * Starts a throwaway tessera server in this process (temporary data folder, fixed admin key, no seeded model) and
 * registers models on it through the SDK.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TesseraClient } from '../../src/client/index.js';
import type { CreateModelRequest } from '../../src/client/index.js';
import { loadConfig } from '../../src/config/index.js';
import { startServer, type RunningServer } from '../../src/main.js';

export const BENCH_KEY = 'bench-admin-key-0123456789';

export interface BenchServer {
  url: string;
  key: string;
  client: TesseraClient;
  running: RunningServer;
  /** Registers a model and pushes one version of it; throws unless the version is READY. */
  addModel(request: CreateModelRequest, onnx: Uint8Array | string): Promise<void>;
  close(): Promise<void>;
}

export interface BenchServerOptions {
  /** onnxruntime intra-op threads per worker (0 = the server's default: cores / instances). Instances: 0 = the server's default. */
  intraOpThreads?: number;
  /** Worker processes per version. */
  instances?: number;
  /** Extra `--name value` settings. */
  extra?: string[];
}

export async function startBenchServer(options: BenchServerOptions = {}): Promise<BenchServer> {
  const dataDir = await mkdtemp(join(tmpdir(), 'tessera-bench-'));
  const argv = [
    '--port', '0', '--data', dataDir, '--admin-key', BENCH_KEY, '--seed-default-model', 'false', '--log-level', 'warn',
    '--intra-op-threads', String(options.intraOpThreads ?? 0), '--instances', String(options.instances ?? 0),
    ...(options.extra ?? []),
  ];
  // An empty environment: TESSERA_* variables of the shell must not change what is measured.
  const config = loadConfig(argv, {});
  const running = await startServer(config);
  const client = new TesseraClient({ url: running.url, key: BENCH_KEY });
  return {
    url: running.url, key: BENCH_KEY, client, running,
    async addModel(request, onnx) {
      const bytes = typeof onnx === 'string' ? new Uint8Array(await readFile(onnx)) : onnx;
      await client.createModel(request);
      const version = await client.pushVersion(request.name, bytes);
      if (version.state !== 'READY') throw new Error(`Model ${request.name} did not validate: ${JSON.stringify(version)}`);
    },
    async close() {
      await running.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
