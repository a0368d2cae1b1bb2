/**
 * Figures for "worker threads vs child processes":
 *  1. Round trip of a Float32Array (602 KB = 1×3×224×224, and 4.9 MB = 1×3×640×640) out and a small answer back, one
 *     message in flight: worker_threads postMessage with a transfer list, worker_threads structured clone, and
 *     child_process.fork with serialization 'advanced' (what WorkerProcess uses). Empty messages give the fixed cost.
 *  2. One request end to end for the PP-OCR cls model (1×3×48×192): in-process `session.run`, the same session in a
 *     worker thread (input transferred), and tessera's ModelRuntime (a child process, as the server uses it).
 * Methods are interleaved and rotated each round; figures are medians over rounds of each round's p50.
 *
 *   node dist/bench/ipc-cost.js [--rounds 3] [--scale 1] [--threads 1]
 */
import { fork, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import * as ort from 'onnxruntime-node';
import { BUNDLED_MODELS } from '../src/bundled/index.js';
import { silentLogger } from '../src/core/index.js';
import { ModelRuntime } from '../src/runtime/index.js';
import {
  describeMachine, finish, flagNumber, formatSpread, mean, parseBenchFlags, pseudoRandomFloats, quantile, roundOrder,
  spread, table, type GoalResult, type Spread,
} from './lib/common.js';

/** One round trip; may resolve with the compute time (µs) the far side reported. */
type RoundTrip = () => Promise<unknown>;

interface Method { name: string; payload: string; iterations: number; roundTrip: RoundTrip }

const CLS_SHAPE = [1, 3, 48, 192];

async function main(): Promise<void> {
  const flags = parseBenchFlags();
  const threads = Math.round(flagNumber(flags, 'threads', 1));
  const scale = flags.scale;
  console.log('# ipc-cost: worker threads vs child processes');
  console.log(describeMachine());
  console.log(`${flags.rounds} rounds; one message in flight; cls sessions use ${threads} intra-op thread(s)`);

  const small = pseudoRandomFloats(3 * 224 * 224);
  const large = pseudoRandomFloats(3 * 640 * 640);
  const thread = new Worker(new URL('./lib/ipc-thread-echo.js', import.meta.url));
  const child = fork(new URL('./lib/ipc-child-echo.js', import.meta.url), [], { serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const threadCall = caller((message, transfer) => thread.postMessage(message, transfer), (handler) => thread.on('message', handler));
  const childCall = caller((message) => { child.send(message as never); }, (handler) => child.on('message', handler));

  // Buffers for the transfer arm travel out and come back (transferred) with the answer, so nothing is copied.
  const owned = { small: Float32Array.from(small), large: Float32Array.from(large) };
  const transfer = (key: 'small' | 'large'): RoundTrip => async () => {
    const data = owned[key];
    const answer = await threadCall({ data, back: true }, [data.buffer]) as { data: Float32Array<ArrayBuffer> };
    owned[key] = answer.data;
  };
  const n = (base: number): number => Math.max(20, Math.round(base * scale));
  const ipcMethods: Method[] = [
    { name: 'worker_threads postMessage', payload: 'empty', iterations: n(2000), roundTrip: () => threadCall({}) },
    { name: 'child_process.fork (advanced)', payload: 'empty', iterations: n(2000), roundTrip: () => childCall({}) },
    { name: 'worker_threads, transfer list', payload: '602 KB', iterations: n(1000), roundTrip: transfer('small') },
    { name: 'worker_threads, structured clone', payload: '602 KB', iterations: n(400), roundTrip: () => threadCall({ data: small }) },
    { name: 'child_process.fork (advanced)', payload: '602 KB', iterations: n(400), roundTrip: () => childCall({ data: small }) },
    { name: 'worker_threads, transfer list', payload: '4.9 MB', iterations: n(500), roundTrip: transfer('large') },
    { name: 'worker_threads, structured clone', payload: '4.9 MB', iterations: n(80), roundTrip: () => threadCall({ data: large }) },
    { name: 'child_process.fork (advanced)', payload: '4.9 MB', iterations: n(80), roundTrip: () => childCall({ data: large }) },
  ];

  // ── end to end, cls model ──
  const clsBytes = new Uint8Array(await readFile(BUNDLED_MODELS.textOrientation));
  const clsData = pseudoRandomFloats(CLS_SHAPE.reduce((a, b) => a * b, 1));
  const session = await ort.InferenceSession.create(clsBytes, { executionProviders: ['cpu'], interOpNumThreads: 1, intraOpNumThreads: threads });
  const feed = { x: new ort.Tensor('float32', clsData, CLS_SHAPE) };
  const host = new Worker(new URL('./lib/ort-thread-host.js', import.meta.url), {
    workerData: { modelPath: BUNDLED_MODELS.textOrientation, threads, inputName: 'x', shape: CLS_SHAPE },
  });
  await new Promise<void>((resolve, reject) => {
    host.once('message', () => resolve());
    host.once('error', reject);
  });
  const hostCall = caller((message, list) => host.postMessage(message, list), (handler) => host.on('message', handler));
  let hostData = Float32Array.from(clsData);
  const runtime = new ModelRuntime(silentLogger);
  await runtime.load('cls', async () => clsBytes, { instances: 1, intraOpThreads: threads, timeoutMs: 30_000, maxQueue: 256, pipelineDepth: 2 });
  const runtimeInputs = [{ name: 'x', datatype: 'FP32' as const, shape: CLS_SHAPE, data: clsData }];
  const e2eMethods: Method[] = [
    { name: 'in-process session.run', payload: '1×3×48×192', iterations: n(800), roundTrip: () => session.run(feed) },
    {
      name: 'worker thread + session.run (transfer)', payload: '1×3×48×192', iterations: n(800),
      roundTrip: async () => {
        const data = hostData;
        const answer = await hostCall({ data }, [data.buffer]) as { data: Float32Array<ArrayBuffer>; computeNs: number };
        hostData = answer.data;
        return { computeUs: answer.computeNs / 1000 };
      },
    },
    { name: 'ModelRuntime (child process)', payload: '1×3×48×192', iterations: n(800),
      roundTrip: async () => ({ computeUs: (await runtime.infer('cls', { inputs: runtimeInputs, outputs: [] })).computeNs / 1000 }) },
  ];

  try {
    const ipc = await measure([...ipcMethods], flags.rounds);
    console.log('');
    console.log('## Round trip, one message in flight (µs; median over rounds of each round\'s p50, range in brackets)');
    console.log(table(['method', 'payload', 'p50 µs', 'mean µs'], ipcMethods.map((m) => {
      const r = ipc.get(m)!;
      return [m.name, m.payload, formatSpread(r.p50, 0), r.mean.median.toFixed(0)];
    })));

    const e2e = await measure(e2eMethods, flags.rounds);
    const base = e2e.get(e2eMethods[0])!;
    console.log('');
    console.log(`## One cls request end to end (µs; ${threads} intra-op thread(s); overhead = p50 − in-process p50 of the same round)`);
    console.log(table(['path', 'p50 µs', 'p99 µs', 'overhead vs in-process µs', 'session.run on the far side, p50 µs', 'p50 − far-side run µs'], e2eMethods.map((m) => {
      const r = e2e.get(m)!;
      const overhead = spread(r.p50.values.map((v, i) => v - base.p50.values[i]));
      const transport = r.computeP50 === undefined ? undefined : spread(r.p50.values.map((v, i) => v - r.computeP50!.values[i]));
      return [m.name, formatSpread(r.p50, 0), r.p99.median.toFixed(0), m === e2eMethods[0] ? '—' : formatSpread(overhead, 0),
        r.computeP50 === undefined ? '—' : formatSpread(r.computeP50, 0), transport === undefined ? '—' : formatSpread(transport, 0)];
    })));
    console.log('(far-side run: timed around session.run inside the worker thread / child process — tensor conversions included for');
    console.log(' ModelRuntime. A far-side run slower than in-process is the cost of a thread that sleeps between requests.)');

    const figure = (list: Method[], results: Map<Method, Result>, name: string, payload: string): Spread =>
      results.get(list.find((m) => m.name === name && m.payload === payload)!)!.p50;
    const overheadOf = (name: string): Spread => {
      const r = e2e.get(e2eMethods.find((m) => m.name === name)!)!;
      return spread(r.p50.values.map((v, i) => v - base.p50.values[i]));
    };
    const goals: GoalResult[] = [
      { goal: 'IPC round trip 602 KB: fork (advanced) / thread transfer / thread clone', target: '— (decision input)',
        measured: ['child_process.fork (advanced)', 'worker_threads, transfer list', 'worker_threads, structured clone'].map((name) => `${figure(ipcMethods, ipc, name, '602 KB').median.toFixed(0)}`).join(' / ') + ' µs', met: null },
      { goal: 'IPC round trip 4.9 MB: fork (advanced) / thread transfer / thread clone', target: '— (decision input)',
        measured: ['child_process.fork (advanced)', 'worker_threads, transfer list', 'worker_threads, structured clone'].map((name) => `${figure(ipcMethods, ipc, name, '4.9 MB').median.toFixed(0)}`).join(' / ') + ' µs', met: null },
      { goal: 'cls per-request overhead vs in-process: ModelRuntime (child process)', target: '— (decision input)', measured: `${formatSpread(overheadOf('ModelRuntime (child process)'), 0)} µs`, met: null },
      { goal: 'cls per-request overhead vs in-process: worker thread', target: '— (decision input)', measured: `${formatSpread(overheadOf('worker thread + session.run (transfer)'), 0)} µs`, met: null },
      { goal: 'cls p50 − far-side session.run: child process / worker thread', target: '— (decision input)',
        measured: ['ModelRuntime (child process)', 'worker thread + session.run (transfer)'].map((name) => {
          const r = e2e.get(e2eMethods.find((m) => m.name === name)!)!;
          return spread(r.p50.values.map((v, i) => v - r.computeP50!.values[i])).median.toFixed(0);
        }).join(' / ') + ' µs', met: null },
    ];
    finish(flags, { bench: 'ipc-cost', goals });
  } finally {
    await runtime.close();
    await session.release();
    await host.terminate();
    await thread.terminate();
    child.disconnect();
    await exited(child);
  }
}

interface Result { p50: Spread; p99: Spread; mean: Spread; computeP50?: Spread }

/** Runs every method once per round (rotating the order), `iterations` sequential round trips each after a warm-up. */
async function measure(methods: Method[], rounds: number): Promise<Map<Method, Result>> {
  const perRound = new Map<Method, Array<{ p50: number; p99: number; mean: number; compute?: number }>>(methods.map((m) => [m, []]));
  for (let round = 0; round < rounds; round++) {
    for (const method of roundOrder(methods, round)) {
      for (let i = 0; i < Math.max(10, method.iterations / 10); i++) await method.roundTrip();
      const times: number[] = new Array(method.iterations);
      const compute: number[] = [];
      for (let i = 0; i < method.iterations; i++) {
        const t = performance.now();
        const answer = await method.roundTrip() as { computeUs?: number } | undefined;
        times[i] = (performance.now() - t) * 1000;
        if (typeof answer?.computeUs === 'number') compute.push(answer.computeUs);
      }
      perRound.get(method)!.push({
        p50: quantile(times, 0.5), p99: quantile(times, 0.99), mean: mean(times),
        ...(compute.length > 0 ? { compute: quantile(compute, 0.5) } : {}),
      });
    }
  }
  return new Map(methods.map((m) => {
    const list = perRound.get(m)!;
    const compute = list.flatMap((r) => (r.compute === undefined ? [] : [r.compute]));
    return [m, {
      p50: spread(list.map((r) => r.p50)), p99: spread(list.map((r) => r.p99)), mean: spread(list.map((r) => r.mean)),
      ...(compute.length > 0 ? { computeP50: spread(compute) } : {}),
    }];
  }));
}

/** Request/answer over a message port: each message gets an id; the answer with the same id resolves the call. */
function caller(post: (message: unknown, transfer?: ArrayBuffer[]) => void, listen: (handler: (message: { id: number }) => void) => void) {
  const pending = new Map<number, (answer: unknown) => void>();
  let nextId = 1;
  listen((message) => {
    const resolve = pending.get(message.id);
    if (resolve === undefined) return;
    pending.delete(message.id);
    resolve(message);
  });
  return (message: Record<string, unknown>, transfer?: ArrayBuffer[]): Promise<unknown> => new Promise((resolve) => {
    const id = nextId++;
    pending.set(id, resolve);
    post({ ...message, id }, transfer);
  });
}

function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((resolve) => child.once('exit', () => resolve()));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
