/**
 * Dynamic batching on a tiny model: `buildMlp()` with its default sizes (4 → 8 → 3, a few µs of compute), closed
 * loop at concurrency 32, binary tensor extension, one pre-encoded body, the same lean load generator (node:http,
 * keep-alive, in a worker thread of this process) for every target:
 *   A  tessera, batching on (maxBatchSize 32, maxQueueDelayUs --delay-us), `--instances` workers × `--threads`
 *   B  tessera, batching off, same instances and threads (a second model on the same server)
 *   C  naive: a minimal Fastify server (bench/lib/naive-server.ts) calling `session.run` inline on its event loop
 * Both servers run in child processes of their own; arms are interleaved and rotated each round.
 * Goals (reported, never asserted): A/C ≥ 3×, A/B ≥ 2×, and for A: p99 ≤ maxQueueDelay + 2 × compute time per
 * execution (the server's own mean from batch_stats in /v2/models/{m}/versions/1/stats).
 *
 *   node dist/bench/tiny-batching.js [--rounds 3] [--scale 1] [--seconds 5] [--concurrency 32] [--max-batch 32]
 *                                    [--delay-us 2000] [--instances 2] [--threads 1] [--mlp 4,8,3]
 */
import { writeFile, mkdtemp, rm } from 'node:fs/promises';
import { fork, type ChildProcess } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import * as ort from 'onnxruntime-node';
import { decodeInferResponse, encodeInferRequest, type ModelStatistics } from '../src/client/index.js';
import { buildMlp } from '../src/testing/index.js';
import {
  cpuBusyShare, cpuSample, describeMachine, finish, flagNumber, formatSpread, median, ms, parseBenchFlags,
  pseudoRandomFloats, quantile, roundOrder, spread, table, us, type GoalResult,
} from './lib/common.js';
import { runHttpTask, type HttpTarget, type LoadResult } from './lib/http-load.js';
import { childPidsOf, cpuMsOf, startServerProcess, type ServerProcess } from './lib/server-process.js';

type ArmName = 'A batching' | 'B no batching' | 'C naive inline';

interface ServerSide {
  /** Mean onnxruntime time per execution (batch), ms, from batch_stats. */
  computePerExecMs: number;
  /** Mean rows per execution. */
  batchSize: number;
  /** Mean time a request waited in the model's queue, ms. */
  queueMs: number;
}

interface PhaseResult {
  load: LoadResult;
  p50Ms: number;
  p99Ms: number;
  server?: ServerSide;
  /**
   * CPU time per request, µs: the server process (all threads), its main thread alone (the event loop), its model
   * workers, and this process (the load generator).
   */
  cpuUs: { server: number; serverMain: number; workers: number; client: number };
  machineBusy: number;
}

async function main(): Promise<void> {
  const flags = parseBenchFlags();
  const phaseMs = flagNumber(flags, 'seconds', 5) * 1000 * flags.scale;
  const warmupMs = 1000;
  const concurrency = Math.round(flagNumber(flags, 'concurrency', 32));
  const maxBatch = Math.round(flagNumber(flags, 'max-batch', 32));
  const delayUs = Math.round(flagNumber(flags, 'delay-us', 2000));
  const instances = Math.round(flagNumber(flags, 'instances', 2));
  const threads = Math.round(flagNumber(flags, 'threads', 1));
  const [inputSize, hidden, outputSize] = (flags.raw.get('mlp') ?? '4,8,3').split(',').map(Number);
  const mlp = { inputSize, hidden, outputSize };

  console.log(`# tiny-batching: MLP ${inputSize}→${hidden}→${outputSize}, closed loop c=${concurrency}, binary extension`);
  console.log(describeMachine());
  console.log(`A: tessera batching maxBatchSize ${maxBatch}, maxQueueDelayUs ${delayUs}; B: tessera no batching; both ${instances} instance(s) × ${threads} intra-op thread(s). C: Fastify + inline session.run, ${threads} intra-op thread(s).`);
  console.log(`${flags.rounds} rounds of ${(phaseMs / 1000).toFixed(1)} s per arm (+${(warmupMs / 1000).toFixed(1)} s warm-up), order rotated each round`);

  const model = buildMlp(mlp);
  const shape = [1, inputSize];
  const data = pseudoRandomFloats(inputSize);
  await inProcessReference(model, inputSize, maxBatch, threads);

  const dir = await mkdtemp(join(tmpdir(), 'tessera-tiny-'));
  const modelPath = join(dir, 'mlp.onnx');
  await writeFile(modelPath, model);
  let tessera: ServerProcess | undefined;
  let naive: { url: string; child: ChildProcess } | undefined;
  try {
    tessera = await startServerProcess(['--instances', String(instances), '--intra-op-threads', String(threads)]);
    const runtime = { instances, intraOpThreads: threads };
    await tessera.client.createModel({ name: 'mlp-batched', description: 'tiny MLP, batching on (bench)', runtime: { ...runtime, batching: { maxBatchSize: maxBatch, maxQueueDelayUs: delayUs } } });
    await tessera.client.createModel({ name: 'mlp-plain', description: 'tiny MLP, batching off (bench)', runtime });
    for (const name of ['mlp-batched', 'mlp-plain']) {
      const version = await tessera.client.pushVersion(name, model);
      if (version.state !== 'READY') throw new Error(`${name} did not validate: ${JSON.stringify(version)}`);
    }
    naive = await startNaive(modelPath, threads);

    const encoded = encodeInferRequest([{ name: 'input', datatype: 'FP32', shape, data }], { binary: true });
    const body = encoded.body as Uint8Array;
    const auth = { authorization: `Bearer ${tessera.key}` };
    const targets: Record<ArmName, HttpTarget> = {
      'A batching': { url: tessera.url, path: '/v2/models/mlp-batched/infer', method: 'POST', headers: { ...encoded.headers, ...auth }, body },
      'B no batching': { url: tessera.url, path: '/v2/models/mlp-plain/infer', method: 'POST', headers: { ...encoded.headers, ...auth }, body },
      'C naive inline': { url: naive.url, path: '/v2/models/mlp/infer', method: 'POST', headers: encoded.headers, body },
    };
    await checkSameAnswer(targets);
    const names = Object.keys(targets) as ArmName[];
    for (const name of names) await runHttpTask({ kind: 'closed-loop', target: targets[name], options: { concurrency, warmupMs: 0, durationMs: 1000 } });

    const serverPid = tessera.pid;
    const naivePid = naive.child.pid!;
    const results = new Map<ArmName, PhaseResult[]>(names.map((name) => [name, []]));
    for (let round = 0; round < flags.rounds; round++) {
      const parts: string[] = [];
      for (const name of roundOrder(names, round)) {
        const statsModel = name === 'A batching' ? 'mlp-batched' : name === 'B no batching' ? 'mlp-plain' : undefined;
        const result = await phase(targets[name], concurrency, warmupMs, phaseMs, statsModel === undefined ? naivePid : serverPid,
          statsModel === undefined ? undefined : { server: tessera, model: statsModel });
        results.get(name)!.push(result);
        parts.push(`${name} ${result.load.rate.toFixed(0)}/s p99 ${ms(result.p99Ms)} ms${result.server ? ` batch ${result.server.batchSize.toFixed(1)}` : ''}`);
      }
      console.log(`round ${round + 1}: ${parts.join(', ')}`);
    }

    const rate = (name: ArmName): number[] => results.get(name)!.map((r) => r.load.rate);
    const ratio = (a: ArmName, b: ArmName): number[] => rate(a).map((v, i) => v / rate(b)[i]);
    const naiveRates = rate('C naive inline');
    console.log('');
    console.log(table(['arm', 'requests/s', 'vs C (same round)', 'p50 ms', 'p99 ms', 'server queue ms/request', 'compute ms/execution', 'rows/execution', 'CPU µs/request: server (its event-loop thread) / workers / load gen', 'machine busy', 'errors'],
      names.map((name) => {
        const list = results.get(name)!;
        const server = list.map((r) => r.server).filter((s): s is ServerSide => s !== undefined);
        const cpu = (pick: (r: PhaseResult) => number): string => median(list.map(pick)).toFixed(0);
        return [
          name,
          formatSpread(spread(rate(name)), 0),
          formatSpread(spread(rate(name).map((v, i) => v / naiveRates[i])), 2, '×'),
          ms(median(list.map((r) => r.p50Ms))),
          formatSpread(spread(list.map((r) => r.p99Ms)), 2),
          server.length > 0 ? ms(median(server.map((s) => s.queueMs)), 3) : '—',
          server.length > 0 ? ms(median(server.map((s) => s.computePerExecMs)), 3) : '—',
          server.length > 0 ? median(server.map((s) => s.batchSize)).toFixed(1) : '1',
          `${cpu((r) => r.cpuUs.server)} (${cpu((r) => r.cpuUs.serverMain)}) / ${name === 'C naive inline' ? '—' : cpu((r) => r.cpuUs.workers)} / ${cpu((r) => r.cpuUs.client)}`,
          `${(median(list.map((r) => r.machineBusy)) * 100).toFixed(0)} %`,
          list.reduce((n, r) => n + r.load.errors, 0),
        ];
      })));
    console.log('(p99: median (range) of per-round p99. Server-side figures from the stats deltas of each phase. CPU: from /proc over the measured window, per completed request; C has no workers: inference runs on its event-loop thread.)');
    for (const list of results.values()) {
      const error = list.map((r) => r.load.firstError).find((e) => e !== undefined);
      if (error !== undefined) console.log(`first error: ${error}`);
    }

    const ac = spread(ratio('A batching', 'C naive inline'));
    const ab = spread(ratio('A batching', 'B no batching'));
    console.log(`A / C per round: ${ac.values.map((v) => v.toFixed(2)).join(', ')}; A / B per round: ${ab.values.map((v) => v.toFixed(2)).join(', ')}`);

    const a = results.get('A batching')!;
    const p99 = median(a.map((r) => r.p99Ms));
    const compute = median(a.map((r) => r.server!.computePerExecMs));
    const bound = delayUs / 1000 + 2 * compute;
    const holds = p99 <= bound;
    const little = (concurrency / median(rate('A batching'))) * 1000;
    console.log(`A: p99 ${ms(p99, 3)} ms vs max queue delay ${ms(delayUs / 1000, 3)} ms + 2 × compute ${ms(compute, 3)} ms = ${ms(bound, 3)} ms → ${holds ? 'holds' : 'does not hold'}`);
    const queueMs = median(a.map((r) => r.server!.queueMs));
    console.log(`   a closed loop of ${concurrency} keeps ${concurrency} requests in the system, so mean latency = ${concurrency} / throughput = ${ms(little, 2)} ms whatever the batcher does;`);
    console.log(`   inside the batcher (server statistics, means): queue ${ms(queueMs, 3)} ms + compute ${ms(compute, 3)} ms = ${ms(queueMs + compute, 3)} ms ${queueMs + compute <= bound ? '≤' : '>'} ${ms(bound, 3)} ms; the rest of the latency is spent before the batcher (HTTP, the event loop, the load generator).`);

    const goals: GoalResult[] = [
      { goal: `MLP ${inputSize}→${hidden}→${outputSize} c=${concurrency}: tessera batching / naive inline Fastify throughput (A/C)`, target: '≥ 3×', measured: formatSpread(ac, 2, '×'), met: ac.median >= 3 },
      { goal: `MLP ${inputSize}→${hidden}→${outputSize} c=${concurrency}: tessera batching / no batching throughput (A/B)`, target: '≥ 2×', measured: formatSpread(ab, 2, '×'), met: ab.median >= 2 },
      { goal: `MLP ${inputSize}→${hidden}→${outputSize} c=${concurrency}, batching: p99 ≤ max queue delay + 2 × compute/execution`, target: `≤ ${ms(bound, 3)} ms`, measured: `${ms(p99, 2)} ms`, met: holds },
    ];
    finish(flags, {
      bench: 'tiny-batching', goals,
      notes: [`batching: maxBatchSize ${maxBatch}, maxQueueDelayUs ${delayUs}; ${instances} instance(s) × ${threads} thread(s); naive: ${threads} thread(s)`],
    });
  } finally {
    naive?.child.disconnect();
    await tessera?.close();
    await rm(dir, { recursive: true, force: true });
  }
}

/** One closed-loop phase, with the server's statistics and the CPU time of server, workers and this process around it. */
async function phase(target: HttpTarget, concurrency: number, warmupMs: number, phaseMs: number, serverPid: number,
  stats: { server: ServerProcess; model: string } | undefined): Promise<PhaseResult> {
  const loading = runHttpTask({ kind: 'closed-loop', target, options: { concurrency, warmupMs, durationMs: phaseMs } });
  await new Promise((resolve) => setTimeout(resolve, warmupMs));
  const workers = await childPidsOf(serverPid);
  const snapshot = async (): Promise<{ stats?: ModelStatistics; server: number; serverMain: number; workers: number; client: number; machine: ReturnType<typeof cpuSample> }> => ({
    stats: stats === undefined ? undefined : (await stats.server.client.modelStats(stats.model))[0],
    server: await cpuMsOf(serverPid),
    serverMain: await cpuMsOf(serverPid, serverPid),
    workers: (await Promise.all(workers.map((pid) => cpuMsOf(pid)))).reduce((s, v) => s + v, 0),
    client: (process.cpuUsage().user + process.cpuUsage().system) / 1000,
    machine: cpuSample(),
  });
  const before = await snapshot();
  const t0 = performance.now();
  // Read the counters again just before the load generator's window closes.
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, phaseMs - 150)));
  const after = await snapshot();
  const windowMs = performance.now() - t0;
  const load = await loading;
  if (load.errors > 0) console.log(`  ${target.path}: ${load.errors} errors, first: ${load.firstError}`);
  const requests = (load.rate * windowMs) / 1000;
  /** CPU ms between two readings → µs per completed request. */
  const perRequest = (a: number, b: number): number => ((b - a) * 1000) / requests;
  return {
    load,
    p50Ms: quantile(load.latenciesMs, 0.5),
    p99Ms: quantile(load.latenciesMs, 0.99),
    ...(before.stats && after.stats ? { server: serverSide(before.stats, after.stats) } : {}),
    cpuUs: {
      server: perRequest(before.server, after.server),
      serverMain: perRequest(before.serverMain, after.serverMain),
      workers: perRequest(before.workers, after.workers),
      client: perRequest(before.client, after.client),
    },
    machineBusy: cpuBusyShare(before.machine, after.machine),
  };
}

function serverSide(before: ModelStatistics, after: ModelStatistics): ServerSide {
  const earlier = new Map(before.batch_stats.map((b) => [b.batch_size, b.compute_infer]));
  let executions = 0;
  let rows = 0;
  let ns = 0;
  for (const entry of after.batch_stats) {
    const prior = earlier.get(entry.batch_size) ?? { count: 0, ns: 0 };
    const count = entry.compute_infer.count - prior.count;
    if (count <= 0) continue;
    executions += count;
    rows += count * entry.batch_size;
    ns += entry.compute_infer.ns - prior.ns;
  }
  const queued = after.inference_stats.queue.count - before.inference_stats.queue.count;
  return {
    computePerExecMs: ns / executions / 1e6,
    batchSize: rows / executions,
    queueMs: (after.inference_stats.queue.ns - before.inference_stats.queue.ns) / queued / 1e6,
  };
}

/** The naive server in a child process; resolves once it listens. */
function startNaive(modelPath: string, threads: number): Promise<{ url: string; child: ChildProcess }> {
  const child = fork(new URL('./lib/naive-server.js', import.meta.url), [modelPath, String(threads)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    child.once('message', (message: { url: string }) => resolve({ url: message.url, child }));
    child.once('exit', (code) => reject(new Error(`naive server exited with ${code}`)));
    child.once('error', reject);
  });
}

/** Sanity check before timing: the three targets answer the same probabilities. */
async function checkSameAnswer(targets: Record<ArmName, HttpTarget>): Promise<void> {
  const answers: Float32Array[] = [];
  for (const target of Object.values(targets)) {
    const response = await fetch(new URL(target.path, target.url), { method: 'POST', headers: target.headers, body: target.body as Uint8Array<ArrayBuffer> });
    const bytes = new Uint8Array(await response.arrayBuffer());
    if (response.status !== 200) throw new Error(`${target.path}: HTTP ${response.status} ${Buffer.from(bytes).toString().slice(0, 300)}`);
    answers.push(decodeInferResponse(bytes, response.headers.get('inference-header-content-length') ?? undefined).outputs[0].data as Float32Array);
  }
  const [first, ...rest] = answers;
  for (const other of rest) {
    if (other.length !== first.length || other.some((v, i) => Math.abs(v - first[i]) > 1e-6)) throw new Error(`answers differ: ${[...first]} vs ${[...other]}`);
  }
  console.log(`answers match (${first.length} probabilities)`);
}

/** In-process session.run time per call at batch 1 and batch `maxBatch` (context for the per-execution compute). */
async function inProcessReference(model: Uint8Array, inputSize: number, maxBatch: number, threads: number): Promise<void> {
  const session = await ort.InferenceSession.create(model, { executionProviders: ['cpu'], interOpNumThreads: 1, intraOpNumThreads: threads });
  const time = async (rows: number): Promise<number> => {
    const feed = { input: new ort.Tensor('float32', pseudoRandomFloats(rows * inputSize), [rows, inputSize]) };
    for (let i = 0; i < 200; i++) await session.run(feed);
    const times: number[] = [];
    for (let i = 0; i < 2000; i++) {
      const t = performance.now();
      await session.run(feed);
      times.push(performance.now() - t);
    }
    return median(times);
  };
  const one = await time(1);
  const many = await time(maxBatch);
  console.log(`in-process session.run (await, ${threads} thread(s)): batch 1 ${us(one, 1)} µs, batch ${maxBatch} ${us(many, 1)} µs (${us(many / maxBatch, 2)} µs per row)`);
  await session.release();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
