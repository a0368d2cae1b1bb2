/**
 * The image endpoint end to end: `POST /predictions/{model}` with a raw 640×480 JPEG body (4 different images sent
 * round-robin) to a small 224×224 NCHW classifier with the `torch` preset (decode, shorter side to 256, centre crop,
 * normalize), closed loop at concurrency 4 through Node's fetch (undici, keep-alive) in a worker thread, against the
 * same work in this process: tessera's own `imageToTensor` + `resolvePreprocess` (same signature, same maxPixels),
 * then onnxruntime-node `session.run` with the same intra-op threads as one server worker (1), then the same top-k.
 * Arms are interleaved and their order rotates each round. Goal: server / in-process throughput ≥ 0.9.
 *
 * The in-process baseline runs 2 concurrent lanes, each with its own InferenceSession (1 intra-op thread): the
 * closest match to the server's default of 2 worker processes × 1 thread, each with its own session. Decoding and
 * resizing run on sharp's thread pool in both arms (the server decodes in its main process). onnxruntime-node runs
 * `session.run` synchronously on the JS thread, so the two in-process runs never overlap each other (the check
 * before the rounds prints it); what overlaps is one lane's decode with the other lane's run.
 *
 *   node dist/bench/image-throughput.js [--rounds 3] [--scale 1] [--seconds 6] [--concurrency 4]
 *                                       [--local-concurrency 2] [--threads 1] [--server-instances 0] [--client fetch|http]
 *   (--threads: intra-op threads of each in-process session and of each server worker; --server-instances 0 = the
 *    server default, 2 on 2 or more cores; --client http uses the lean node:http generator of the other benches)
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import * as ort from 'onnxruntime-node';
import sharp from 'sharp';
import type { ModelStatistics, TensorMetadata } from '../src/client/index.js';
import { loadConfig } from '../src/config/index.js';
import { imageToTensor, resolvePreprocess, topK, type PreprocessSettings } from '../src/processing/index.js';
import { buildSmallCnn } from '../src/testing/index.js';
import {
  cpuBusyShare, cpuSample, describeMachine, finish, flagNumber, formatSpread, mean, median, ms, parseBenchFlags,
  pseudoRandomFloats, quantile, rateFromCompletions, roundOrder, spread, table, type GoalResult,
} from './lib/common.js';
import type { FetchLoadTask } from './lib/fetch-load-worker.js';
import { runHttpTask, type LoadResult } from './lib/http-load.js';
import { startBenchServer, type BenchServer } from './lib/server.js';

const MODEL = 'cls224';
const WIDTH = 640;
const HEIGHT = 480;
const IMAGES = 4;

interface ArmResult {
  rate: number;
  latenciesMs: number[];
  busy: number;
  /** In-process: mean wall time per image in imageToTensor / session.run (+ top-k), inside the window. */
  decodeMs?: number;
  runMs?: number;
  /** Server: per-request means from /v2/models/{m}/stats over the phase. */
  queueMs?: number;
  computeMs?: number;
  ioMs?: number;
  successMs?: number;
}

interface Local {
  sessions: ort.InferenceSession[];
  settings: PreprocessSettings;
  maxPixels: number;
}

async function main(): Promise<void> {
  const flags = parseBenchFlags();
  const phaseMs = flagNumber(flags, 'seconds', 6) * 1000 * flags.scale;
  const warmupMs = 1000;
  const concurrency = Math.round(flagNumber(flags, 'concurrency', 4));
  const localConcurrency = Math.round(flagNumber(flags, 'local-concurrency', 2));
  const threads = Math.round(flagNumber(flags, 'threads', 1));
  const serverInstances = Math.round(Number(flags.raw.get('server-instances') ?? 0));
  const clientKind = flags.raw.get('client') === 'http' ? 'http' : 'fetch';
  // The server's own default limit (no flag, empty environment), as startBenchServer configures it.
  const maxPixels = loadConfig([], {}).maxImagePixels;

  console.log(`# image-throughput: POST /predictions/${MODEL}, ${WIDTH}×${HEIGHT} JPEG → torch preset → 1×3×224×224 CNN (1000 classes), server vs in-process`);
  console.log(describeMachine());

  const images = await makeJpegs();
  const model = buildSmallCnn({ channels: 3, size: 224, classes: 1000 });
  console.log(`images: ${IMAGES} JPEGs ${WIDTH}×${HEIGHT} q85, ${images.map((b) => `${(b.byteLength / 1024).toFixed(0)} KB`).join(', ')} (round-robin); model ${(model.byteLength / 1024).toFixed(0)} KB (conv 3×3×8 → relu → GAP → gemm 8×1000 → softmax)`);

  const server = await startBenchServer({ intraOpThreads: threads, instances: serverInstances });
  const sessions: ort.InferenceSession[] = [];
  try {
    await server.addModel({ name: MODEL, task: 'image-classification', preprocess: { preset: 'torch' }, description: 'small 224×224 CNN (bench)' }, model);
    const versions = await server.client.listVersions(MODEL);
    const signature: TensorMetadata[] = versions[versions.length - 1].inputs;
    const settings = resolvePreprocess({ preset: 'torch' }, signature);
    for (let i = 0; i < localConcurrency; i++) {
      sessions.push(await ort.InferenceSession.create(model, { executionProviders: ['cpu'], interOpNumThreads: 1, intraOpNumThreads: threads }));
    }
    const local: Local = { sessions, settings, maxPixels };
    // The server's rule for --instances 0: 2 workers on 2 or more cores, else 1.
    const instances = serverInstances || (availableParallelism() >= 2 ? 2 : 1);
    console.log(`signature ${signature.map((t) => `${t.name} ${t.datatype} [${t.shape.join(', ')}]`).join('; ')} → input "${settings.input}" ${settings.layout}, resize ${settings.resize} (shorter side ${settings.resizeShorter}), ${settings.kernel}; maxPixels ${maxPixels}`);
    console.log(`server: ${instances} worker process(es) × ${threads} intra-op thread(s), client ${clientKind === 'fetch' ? 'fetch (undici, keep-alive)' : 'node:http keep-alive Agent'} in a worker thread, c=${concurrency}; in-process: ${localConcurrency} lanes × 1 session each × ${threads} intra-op thread(s)`);
    console.log(`${flags.rounds} rounds of ${(phaseMs / 1000).toFixed(1)} s per arm (+${(warmupMs / 1000).toFixed(1)} s warm-up)`);

    await checkSameTop1(local, server, images);
    const solo = await uncontended(local, images);
    console.log(`uncontended (1 lane, median per image): imageToTensor ${ms(solo.decodeMs)} ms, session.run + top-k ${ms(solo.runMs)} ms → decode/preprocess ${(100 * solo.decodeMs / (solo.decodeMs + solo.runMs)).toFixed(0)} % of the work`);
    if (sessions.length >= 2) {
      const overlap = await runOverlap(sessions, settings);
      console.log(`session.run alone ${ms(overlap.oneMs, 3)} ms; two sessions at once ${ms(overlap.twoMs, 3)} ms per run (${overlap.twoMs < overlap.oneMs * 0.75 ? 'they overlap' : 'no overlap: runs serialize on the JS thread'})`);
    }

    type Arm = { name: string; run: () => Promise<ArmResult> };
    const arms: Arm[] = [
      { name: `in-process c=${localConcurrency}`, run: () => inProcess(local, images, warmupMs, phaseMs) },
      { name: `server c=${concurrency}`, run: () => viaServer(server, images, concurrency, warmupMs, phaseMs, clientKind) },
    ];
    const results = new Map<string, ArmResult[]>(arms.map((arm) => [arm.name, []]));
    for (let round = 0; round < flags.rounds; round++) {
      const line: string[] = [];
      for (const arm of roundOrder(arms, round)) {
        const result = await arm.run();
        results.get(arm.name)!.push(result);
        line.push(`${arm.name} ${result.rate.toFixed(1)}/s`);
      }
      console.log(`round ${round + 1}: ${line.join(', ')}`);
    }

    const base = results.get(arms[0].name)!;
    const cand = results.get(arms[1].name)!;
    const ratios = cand.map((r, i) => r.rate / base[i].rate);
    console.log('');
    console.log(table(['arm', 'images/s', 'ratio to in-process (same round)', 'latency p50 ms', 'latency p99 ms', 'machine CPU busy'], arms.map((arm) => {
      const list = results.get(arm.name)!;
      const all = list.flatMap((r) => r.latenciesMs);
      const armRatios = list.map((r, i) => r.rate / base[i].rate);
      return [arm.name, formatSpread(spread(list.map((r) => r.rate)), 1), formatSpread(spread(armRatios), 3),
        ms(quantile(all, 0.5)), ms(quantile(all, 0.99)), `${(100 * median(list.map((r) => r.busy))).toFixed(0)} %`];
    })));

    const decode = base.map((r) => r.decodeMs!);
    const run = base.map((r) => r.runMs!);
    const shares = base.map((r) => r.decodeMs! / (r.decodeMs! + r.runMs!));
    console.log('');
    console.log(table(['in-process split (per image, wall time, mean in window)', 'imageToTensor ms', 'session.run + top-k ms', 'decode/preprocess share'], [
      [`c=${localConcurrency}, median (range) over rounds`, formatSpread(spread(decode), 2), formatSpread(spread(run), 2), formatSpread(spread(shares.map((s) => 100 * s)), 0, ' %')],
      ['c=1 uncontended, median', ms(solo.decodeMs), ms(solo.runMs), `${(100 * solo.decodeMs / (solo.decodeMs + solo.runMs)).toFixed(0)} %`],
    ]));
    console.log('(at c=2 a part\'s wall time includes waiting for the JS thread while the other lane runs, so the parts overlap.)');

    const pick = (f: (r: ArmResult) => number | undefined): string => ms(median(cand.map((r) => f(r)!)));
    console.log('');
    console.log(table(['server split (per request, /v2/models/' + MODEL + '/stats)', 'queue ms', 'compute_infer ms', 'compute_input + output ms', 'inference path (success) ms', 'client latency − inference path ms'], [[
      `c=${concurrency}, median over rounds`, pick((r) => r.queueMs), pick((r) => r.computeMs), pick((r) => r.ioMs), pick((r) => r.successMs),
      ms(median(cand.map((r) => quantile(r.latenciesMs, 0.5) - r.successMs!))),
    ]]));
    console.log('(success = the tensor handed to the inference service → answer ready, incl. queue; decode/preprocess, HTTP and the client sit in the last column, computed from the p50 latency.)');
    console.log(`server / in-process throughput per round: ${ratios.map((r) => r.toFixed(3)).join(', ')}`);

    const s = spread(ratios);
    const goals: GoalResult[] = [
      { goal: `image endpoint (640×480 JPEG → 224² CNN) server c=${concurrency} / in-process c=${localConcurrency} throughput`, target: '≥ 0.9', measured: formatSpread(s, 3), met: s.median >= 0.9 },
      { goal: `in-process decode/preprocess share of decode + run (c=${localConcurrency})`, target: '—', measured: formatSpread(spread(shares.map((v) => 100 * v)), 0, ' %'), met: null },
    ];
    finish(flags, {
      bench: 'image-throughput', goals,
      notes: [`server client: ${clientKind === 'fetch' ? 'fetch (undici)' : 'node:http'} in a worker thread on the same cores; in-process has no client.`],
    });
  } finally {
    await server.close();
    for (const session of sessions) await session.release();
  }
}

/** Four different 640×480 JPEGs (q85): gradients in different directions with seeded noise of different strength. */
async function makeJpegs(): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  for (let k = 0; k < IMAGES; k++) {
    const noise = pseudoRandomFloats(WIDTH * HEIGHT * 3, 1000 + k);
    const amplitude = [16, 48, 96, 160][k];
    const pixels = Buffer.alloc(WIDTH * HEIGHT * 3);
    for (let y = 0; y < HEIGHT; y++) {
      for (let x = 0; x < WIDTH; x++) {
        const i = (y * WIDTH + x) * 3;
        const u = x / WIDTH;
        const v = y / HEIGHT;
        const base = [
          [255 * u, 255 * v, 255 * (1 - u)],
          [255 * (1 - v), 128 + 127 * Math.sin(6 * u), 255 * u * v],
          [255 * u * (1 - v), 255 * (0.5 + 0.5 * Math.cos(9 * v)), 200 * v],
          [128 + 127 * Math.sin(10 * (u + v)), 255 * (1 - u), 255 * v * v],
        ][k];
        for (let c = 0; c < 3; c++) {
          const value = base[c] + amplitude * (noise[i + c] - 0.5);
          pixels[i + c] = Math.max(0, Math.min(255, Math.round(value)));
        }
      }
    }
    const jpeg = await sharp(pixels, { raw: { width: WIDTH, height: HEIGHT, channels: 3 } }).jpeg({ quality: 85 }).toBuffer();
    out.push(new Uint8Array(jpeg.buffer, jpeg.byteOffset, jpeg.byteLength));
  }
  return out;
}

/** What one in-process request does: imageToTensor, session.run, top-5 with the preset's activation. */
async function classifyLocal(local: Local, session: ort.InferenceSession, bytes: Uint8Array): Promise<{ top1: number; decodeMs: number; runMs: number }> {
  const t0 = performance.now();
  const tensor = await imageToTensor([bytes], local.settings, local.maxPixels);
  const t1 = performance.now();
  const outputs = await session.run({ [local.settings.input]: new ort.Tensor('float32', tensor.data as Float32Array, tensor.shape) });
  const output = outputs[session.outputNames[0]];
  const top = topK({ name: session.outputNames[0], datatype: 'FP32', shape: [...output.dims], data: output.data as Float32Array }, 5, [], local.settings.activation);
  const t2 = performance.now();
  return { top1: top[0][0].index, decodeMs: t1 - t0, runMs: t2 - t1 };
}

/** Sanity check before timing: for every image the server's top-1 index equals the in-process one. */
async function checkSameTop1(local: Local, server: BenchServer, images: Uint8Array[]): Promise<void> {
  const pairs: string[] = [];
  for (const [i, bytes] of images.entries()) {
    const mine = await classifyLocal(local, local.sessions[0], bytes);
    const response = await fetch(`${server.url}/predictions/${MODEL}`, {
      method: 'POST', headers: { authorization: `Bearer ${server.key}`, 'content-type': 'image/jpeg' }, body: bytes as Uint8Array<ArrayBuffer>,
    });
    const text = await response.text();
    if (response.status !== 200) throw new Error(`image ${i}: HTTP ${response.status}: ${text.slice(0, 300)}`);
    const theirs = (JSON.parse(text) as { predictions: Array<{ index: number }> }).predictions[0].index;
    if (theirs !== mine.top1) throw new Error(`image ${i}: server top-1 ${theirs}, in-process top-1 ${mine.top1}`);
    pairs.push(String(theirs));
  }
  console.log(`top-1 indices match for all ${images.length} images (${pairs.join(', ')})`);
}

async function uncontended(local: Local, images: Uint8Array[]): Promise<{ decodeMs: number; runMs: number }> {
  const decode: number[] = [];
  const run: number[] = [];
  for (let i = 0; i < 60; i++) {
    const r = await classifyLocal(local, local.sessions[0], images[i % images.length]);
    if (i >= 12) { decode.push(r.decodeMs); run.push(r.runMs); }
  }
  return { decodeMs: median(decode), runMs: median(run) };
}

/** Mean session.run time of one session alone vs two sessions run concurrently (does the binding run them in parallel?). */
async function runOverlap(sessions: ort.InferenceSession[], settings: PreprocessSettings): Promise<{ oneMs: number; twoMs: number }> {
  const feed = { [settings.input]: new ort.Tensor('float32', pseudoRandomFloats(3 * 224 * 224), [1, 3, 224, 224]) };
  const loop = async (session: ort.InferenceSession, n: number): Promise<void> => { for (let i = 0; i < n; i++) await session.run(feed); };
  await loop(sessions[0], 10);
  await loop(sessions[1], 10);
  const n = 100;
  let t = performance.now();
  await loop(sessions[0], n);
  const oneMs = (performance.now() - t) / n;
  t = performance.now();
  await Promise.all([loop(sessions[0], n), loop(sessions[1], n)]);
  const twoMs = (performance.now() - t) / (2 * n);
  return { oneMs, twoMs };
}

/** Closed loop in this process: one lane per session, images round-robin across lanes. */
async function inProcess(local: Local, images: Uint8Array[], warmupMs: number, phaseMs: number): Promise<ArmResult> {
  const from = performance.now() + warmupMs;
  const to = from + phaseMs;
  const completions: number[] = [];
  const latenciesMs: number[] = [];
  const decode: number[] = [];
  const run: number[] = [];
  let next = 0;
  let cpuFrom = cpuSample();
  let measuring = false;
  const lane = async (session: ort.InferenceSession): Promise<void> => {
    for (;;) {
      const started = performance.now();
      if (started >= to) break;
      if (!measuring && started >= from) { measuring = true; cpuFrom = cpuSample(); }
      const bytes = images[next];
      next = (next + 1) % images.length;
      const r = await classifyLocal(local, session, bytes);
      const done = performance.now();
      if (done >= from && done <= to) {
        completions.push(done);
        latenciesMs.push(done - started);
        decode.push(r.decodeMs);
        run.push(r.runMs);
      }
    }
  };
  await Promise.all(local.sessions.map(lane));
  const busy = cpuBusyShare(cpuFrom, cpuSample());
  completions.sort((a, b) => a - b);
  return { rate: rateFromCompletions(completions), latenciesMs, busy, decodeMs: mean(decode), runMs: mean(run) };
}

async function viaServer(server: BenchServer, images: Uint8Array[], concurrency: number, warmupMs: number, phaseMs: number, clientKind: 'fetch' | 'http'): Promise<ArmResult> {
  const headers = { authorization: `Bearer ${server.key}`, 'content-type': 'image/jpeg' };
  const path = `/predictions/${MODEL}`;
  const before = await stats(server);
  // The machine's busy share over the measured window only (the load worker starts right away).
  let cpuFrom = cpuSample();
  const timer = setTimeout(() => { cpuFrom = cpuSample(); }, warmupMs);
  let load: LoadResult;
  if (clientKind === 'http') {
    load = await runHttpTask({ kind: 'closed-loop', target: { url: server.url, path, method: 'POST', headers, bodies: images }, options: { concurrency, warmupMs, durationMs: phaseMs } });
  } else {
    const task: FetchLoadTask = { url: server.url, path, headers, bodies: images, concurrency, warmupMs, durationMs: phaseMs };
    load = await new Promise<LoadResult>((resolve, reject) => {
      const worker = new Worker(new URL('./lib/fetch-load-worker.js', import.meta.url), { workerData: task });
      let settled = false;
      worker.once('message', (result: LoadResult) => { settled = true; resolve(result); void worker.terminate(); });
      worker.once('error', (error) => { settled = true; reject(error); });
      worker.once('exit', (code) => { if (!settled) reject(new Error(`fetch load worker exited with code ${code}`)); });
    });
  }
  const busy = cpuBusyShare(cpuFrom, cpuSample());
  clearTimeout(timer);
  if (load.errors > 0) throw new Error(`server: ${load.errors} errors, first: ${load.firstError}`);
  const after = await stats(server);
  const count = after.inference_count - before.inference_count;
  const delta = (f: (s: ModelStatistics) => number): number => (f(after) - f(before)) / 1e6 / count;
  return {
    rate: load.rate, latenciesMs: load.latenciesMs, busy,
    queueMs: delta((s) => s.inference_stats.queue.ns),
    computeMs: delta((s) => s.inference_stats.compute_infer.ns),
    ioMs: delta((s) => s.inference_stats.compute_input.ns + s.inference_stats.compute_output.ns),
    successMs: delta((s) => s.inference_stats.success.ns),
  };
}

async function stats(server: BenchServer): Promise<ModelStatistics> {
  const list = await server.client.modelStats(MODEL);
  if (list.length === 0) throw new Error('no statistics for the model');
  return list[0];
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
