/**
 * Heavy model: PP-OCRv4 detection at 1×3×640×640 FP32 (4.9 MB in, 1.6 MB out).
 * Server throughput (SDK, binary extension, closed loop at concurrency 2 and 4) against raw in-process
 * onnxruntime-node `InferenceSession.run` in this same process with the same intra-op thread count.
 * Arms are interleaved and their order rotates each round. Goal: server / in-process ≥ 0.95.
 *
 *   node dist/bench/heavy-throughput.js [--rounds 3] [--scale 1] [--seconds 8] [--threads <cores>]
 *                                       [--concurrency 2,4] [--size 640] [--client thread|main]
 *                                       [--server-instances 0] [--server-threads 0]   (0 = the server's defaults)
 * The in-process baseline always uses --threads; the server may be given another layout (e.g. 2 instances × 1 thread).
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import * as ort from 'onnxruntime-node';
import { BUNDLED_MODELS } from '../src/bundled/index.js';
import type { InferTensor, ModelStatistics } from '../src/client/index.js';
import {
  describeMachine, finish, flagNumber, flagNumbers, formatSpread, ms, parseBenchFlags, pseudoRandomFloats, quantile,
  rateFromCompletions, roundOrder, spread, table, type GoalResult,
} from './lib/common.js';
import type { SdkLoadResult, SdkLoadTask } from './lib/sdk-load-worker.js';
import { startBenchServer, type BenchServer } from './lib/server.js';

const MODEL = 'det';

interface ArmResult { rate: number; p50Ms: number; runs: number; computeMs?: number; serverMs?: number }

async function main(): Promise<void> {
  const flags = parseBenchFlags();
  const threads = Math.round(flagNumber(flags, 'threads', availableParallelism()));
  const serverInstances = Math.round(flagNumber(flags, 'server-instances', 0));
  const serverThreads = Math.round(flagNumber(flags, 'server-threads', 0));
  const concurrencies = flagNumbers(flags, 'concurrency', [2, 4]).map(Math.round);
  const size = Math.round(flagNumber(flags, 'size', 640));
  const phaseMs = flagNumber(flags, 'seconds', 8) * 1000 * flags.scale;
  const warmupMs = Math.max(1000, phaseMs * 0.15);
  const clientIn = flags.raw.get('client') === 'main' ? 'main' : 'thread';
  const shape = [1, 3, size, size];
  const data = pseudoRandomFloats(3 * size * size);

  console.log(`# heavy-throughput: PP-OCRv4 det ${shape.join('×')} FP32, server vs in-process onnxruntime`);
  console.log(describeMachine());
  console.log(`intra-op threads ${threads} in-process; server: ${serverInstances || 'default'} instance(s) × ${serverThreads || 'default'} thread(s); concurrency ${concurrencies.join(', ')} (SDK client in ${clientIn === 'thread' ? 'a worker thread' : 'the server thread'}); ${flags.rounds} rounds of ${(phaseMs / 1000).toFixed(1)} s per arm (+${(warmupMs / 1000).toFixed(1)} s warm-up)`);

  const session = await ort.InferenceSession.create(BUNDLED_MODELS.detection, {
    executionProviders: ['cpu'], interOpNumThreads: 1, intraOpNumThreads: threads,
  });
  const feed = { x: new ort.Tensor('float32', data, shape) };
  const server = await startBenchServer({ intraOpThreads: serverThreads, instances: serverInstances });
  try {
    await server.addModel({ name: MODEL, description: 'PP-OCRv4 text detection (bench)' }, BUNDLED_MODELS.detection);
    const inputs: InferTensor[] = [{ name: 'x', datatype: 'FP32', shape, data }];
    await checkSameAnswer(session, feed, server, inputs);

    type Arm = { name: string; run: () => Promise<ArmResult> };
    const arms: Arm[] = [
      { name: 'in-process', run: () => inProcess(session, feed, warmupMs, phaseMs) },
      ...concurrencies.map((c) => ({ name: `server c=${c}`, run: () => viaServer(server, inputs, c, warmupMs, phaseMs, clientIn) })),
    ];
    const results = new Map<string, ArmResult[]>(arms.map((arm) => [arm.name, []]));
    for (let round = 0; round < flags.rounds; round++) {
      const line: string[] = [];
      for (const arm of roundOrder(arms, round)) {
        const result = await arm.run();
        results.get(arm.name)!.push(result);
        line.push(`${arm.name} ${result.rate.toFixed(2)}/s`);
      }
      console.log(`round ${round + 1}: ${line.join(', ')}`);
    }

    const base = results.get('in-process')!;
    const rows = arms.map((arm) => {
      const list = results.get(arm.name)!;
      const ratios = list.map((r, i) => r.rate / base[i].rate);
      const compute = list.map((r) => r.computeMs).filter((v): v is number => v !== undefined);
      const serverSide = list.map((r) => r.serverMs).filter((v): v is number => v !== undefined);
      return [
        arm.name,
        formatSpread(spread(list.map((r) => r.rate)), 2),
        formatSpread(spread(ratios), 3),
        ms(quantile(list.map((r) => r.p50Ms), 0.5), 1),
        compute.length > 0 ? ms(quantile(compute, 0.5), 1) : ms(quantile(base.map((r) => 1000 / r.rate), 0.5), 1),
        serverSide.length > 0 ? ms(quantile(serverSide, 0.5), 1) : '—',
      ];
    });
    console.log('');
    console.log(table(['arm', 'inferences/s', 'ratio to in-process (same round)', 'latency p50 ms', 'run time in ORT ms', 'server time per request ms'], rows));
    console.log('(run time in ORT: in-process = 1 / rate; server = compute_infer from /v2/models/det/stats over the phase. server time = request received → answer ready, incl. queue.)');

    const goals: GoalResult[] = concurrencies.map((c) => {
      const ratios = results.get(`server c=${c}`)!.map((r, i) => r.rate / base[i].rate);
      const s = spread(ratios);
      return { goal: `heavy model (det 640²) server/in-process throughput, c=${c}`, target: '≥ 0.95', measured: formatSpread(s, 3), met: s.median >= 0.95 };
    });
    finish(flags, { bench: 'heavy-throughput', goals });
  } finally {
    await server.close();
    await session.release();
  }
}

/** Closed loop of session.run on this thread (it blocks the event loop; the server is idle meanwhile). */
async function inProcess(session: ort.InferenceSession, feed: Record<string, ort.Tensor>, warmupMs: number, phaseMs: number): Promise<ArmResult> {
  const from = performance.now() + warmupMs;
  const to = from + phaseMs;
  const completions: number[] = [];
  const latencies: number[] = [];
  for (;;) {
    const started = performance.now();
    if (started >= to) break;
    await session.run(feed);
    const done = performance.now();
    if (done >= from && done <= to) { completions.push(done); latencies.push(done - started); }
  }
  return { rate: rateFromCompletions(completions), p50Ms: quantile(latencies, 0.5), runs: completions.length };
}

/**
 * Closed loop through the SDK (binary extension) at `concurrency` requests outstanding, in a worker thread by default
 * (`--client main` runs it on the server's own event loop instead, as a naive single-process setup would).
 */
async function viaServer(server: BenchServer, inputs: InferTensor[], concurrency: number, warmupMs: number, phaseMs: number, clientIn: 'thread' | 'main'): Promise<ArmResult> {
  const before = await stats(server);
  let load: SdkLoadResult;
  if (clientIn === 'thread') {
    const task: SdkLoadTask = { url: server.url, key: server.key, model: MODEL, inputName: 'x', shape: inputs[0].shape, concurrency, warmupMs, durationMs: phaseMs };
    load = await new Promise<SdkLoadResult>((resolve, reject) => {
      const worker = new Worker(new URL('./lib/sdk-load-worker.js', import.meta.url), { workerData: task });
      worker.once('message', (result: SdkLoadResult) => { resolve(result); void worker.terminate(); });
      worker.once('error', reject);
    });
  } else {
    const from = performance.now() + warmupMs;
    const to = from + phaseMs;
    load = { completions: [], latenciesMs: [] };
    const lane = async (): Promise<void> => {
      while (performance.now() < to) {
        const started = performance.now();
        await server.client.infer(MODEL, inputs, { binary: true });
        const done = performance.now();
        if (done >= from && done <= to) { load.completions.push(done); load.latenciesMs.push(done - started); }
      }
    };
    await Promise.all(Array.from({ length: concurrency }, lane));
    load.completions.sort((a, b) => a - b);
  }
  const after = await stats(server);
  const count = after.inference_count - before.inference_count;
  const delta = (pick: (s: ModelStatistics) => number): number => (pick(after) - pick(before)) / 1e6 / count;
  return {
    rate: rateFromCompletions(load.completions), p50Ms: quantile(load.latenciesMs, 0.5), runs: load.completions.length,
    computeMs: delta((s) => s.inference_stats.compute_infer.ns),
    serverMs: delta((s) => s.inference_stats.success.ns),
  };
}

async function stats(server: BenchServer): Promise<ModelStatistics> {
  const list = await server.client.modelStats(MODEL);
  if (list.length === 0) throw new Error('no statistics for the model');
  return list[0];
}

/** Sanity check before timing: the server's answer equals the in-process one. */
async function checkSameAnswer(session: ort.InferenceSession, feed: Record<string, ort.Tensor>, server: BenchServer, inputs: InferTensor[]): Promise<void> {
  const local = await session.run(feed);
  const expected = local[session.outputNames[0]].data as Float32Array;
  const remote = await server.client.infer(MODEL, inputs, { binary: true });
  const actual = remote.outputs[0].data as Float32Array;
  let maxDiff = 0;
  for (let i = 0; i < expected.length; i++) maxDiff = Math.max(maxDiff, Math.abs(expected[i] - actual[i]));
  if (actual.length !== expected.length || maxDiff > 1e-3) throw new Error(`server and in-process answers differ (max |Δ| ${maxDiff})`);
  console.log(`answers match (output ${remote.outputs[0].shape.join('×')}, max |Δ| ${maxDiff.toExponential(1)})`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
