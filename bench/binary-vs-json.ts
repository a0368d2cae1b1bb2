/**
 * Payload cost: a 1×3×224×224 FP32 input (602 KB raw, ~3 MB as JSON) to a tiny CNN built in the bench (compute is a
 * fraction of a millisecond), sent with the binary tensor extension vs plain v2 JSON. Same lean client (node:http,
 * keep-alive, bodies encoded once up front, in its own worker thread), same concurrency, arms interleaved.
 * Goal: binary throughput ≥ 5× JSON.
 *
 *   node dist/bench/binary-vs-json.js [--rounds 3] [--scale 1] [--seconds 5] [--concurrency 4] [--threads 0]
 *   (--threads: intra-op threads of the server's worker; 0 = the server default, cores / instances)
 */
import { performance } from 'node:perf_hooks';
import * as ort from 'onnxruntime-node';
import { encodeInferRequest, type InferTensor } from '../src/client/index.js';
import { buildSmallCnn } from '../src/testing/index.js';
import {
  describeMachine, finish, flagNumber, formatSpread, median, ms, parseBenchFlags, pseudoRandomFloats, quantile,
  roundOrder, spread, table, us,
} from './lib/common.js';
import { runHttpTask, type HttpTarget, type LoadResult } from './lib/http-load.js';
import { startBenchServer } from './lib/server.js';

const SHAPE = [1, 3, 224, 224];

async function main(): Promise<void> {
  const flags = parseBenchFlags();
  const phaseMs = flagNumber(flags, 'seconds', 5) * 1000 * flags.scale;
  const warmupMs = 1000;
  const concurrency = Math.round(flagNumber(flags, 'concurrency', 4));
  const threads = Math.round(Number(flags.raw.get('threads') ?? 0));

  console.log('# binary-vs-json: 1×3×224×224 FP32 input, binary tensor extension vs JSON');
  console.log(describeMachine());

  const model = buildSmallCnn({ size: 224, filters: 4 });
  const data = pseudoRandomFloats(SHAPE.reduce((a, b) => a * b, 1));
  const inputs: InferTensor[] = [{ name: 'image', datatype: 'FP32', shape: SHAPE, data }];
  const computeMs = await inProcessRunTime(model, data);

  const binary = encodeInferRequest(inputs, { binary: true });
  const json = encodeInferRequest(inputs, { binary: false });
  const encodeBinaryMs = timeIt(() => encodeInferRequest(inputs, { binary: true }), 20);
  const encodeJsonMs = timeIt(() => encodeInferRequest(inputs, { binary: false }), 5);
  const bodyBytes = (body: Uint8Array | string): number => (typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength);
  console.log(`tiny CNN (conv 3×3×4 → pool → gemm): in-process run ${ms(computeMs, 3)} ms; bodies: binary ${(bodyBytes(binary.body) / 1e6).toFixed(2)} MB, JSON ${(bodyBytes(json.body) / 1e6).toFixed(2)} MB`);
  console.log(`client-side encoding per request (not in the throughput figures, bodies are encoded once): binary ${us(encodeBinaryMs)} µs, JSON ${ms(encodeJsonMs, 1)} ms`);
  console.log(`closed loop at concurrency ${concurrency}; server intra-op threads ${threads === 0 ? 'default' : threads}; ${flags.rounds} rounds of ${(phaseMs / 1000).toFixed(1)} s per arm`);

  const server = await startBenchServer({ intraOpThreads: threads });
  try {
    await server.addModel({ name: 'cnn224', description: 'tiny 224×224 CNN (bench)' }, model);
    const viaBinary = await server.client.infer('cnn224', inputs, { binary: true });
    const viaJson = await server.client.infer('cnn224', inputs, { binary: false });
    const a = viaBinary.outputs[0].data as Float32Array;
    const b = viaJson.outputs[0].data as Float32Array;
    if (a.length !== b.length || a.some((v, i) => Math.abs(v - b[i]) > 1e-6)) throw new Error('binary and JSON answers differ');

    const auth = { authorization: `Bearer ${server.key}` };
    const toTarget = (encoded: { body: Uint8Array | string; headers: Record<string, string> }): HttpTarget => ({
      url: server.url, path: '/v2/models/cnn224/infer', method: 'POST', headers: { ...encoded.headers, ...auth },
      body: typeof encoded.body === 'string' ? new Uint8Array(Buffer.from(encoded.body)) : encoded.body,
    });
    const arms = [{ name: 'binary', target: toTarget(binary) }, { name: 'JSON', target: toTarget(json) }];
    const results = new Map<string, LoadResult[]>(arms.map((arm) => [arm.name, []]));
    for (let round = 0; round < flags.rounds; round++) {
      const parts: string[] = [];
      for (const arm of roundOrder(arms, round)) {
        const result = await runHttpTask({ kind: 'closed-loop', target: arm.target, options: { concurrency, warmupMs, durationMs: phaseMs } });
        if (result.errors > 0) throw new Error(`${arm.name}: ${result.errors} errors, first: ${result.firstError}`);
        results.get(arm.name)!.push(result);
        parts.push(`${arm.name} ${result.rate.toFixed(1)}/s`);
      }
      console.log(`round ${round + 1}: ${parts.join(', ')}`);
    }
    const bin = results.get('binary')!;
    const js = results.get('JSON')!;
    const ratios = bin.map((r, i) => r.rate / js[i].rate);
    console.log('');
    console.log(table(['arm', 'requests/s', 'latency p50 ms', 'latency p99 ms', 'MB/s of tensor data'], arms.map((arm) => {
      const list = results.get(arm.name)!;
      const all = list.flatMap((r) => r.latenciesMs);
      return [arm.name, formatSpread(spread(list.map((r) => r.rate)), 1), ms(quantile(all, 0.5)), ms(quantile(all, 0.99)),
        (median(list.map((r) => r.rate)) * data.byteLength / 1e6).toFixed(0)];
    })));
    console.log(`binary / JSON throughput per round: ${ratios.map((r) => r.toFixed(2)).join(', ')}`);
    const s = spread(ratios);
    finish(flags, {
      bench: 'binary-vs-json',
      goals: [{ goal: `binary vs JSON throughput, 1×3×224×224 FP32, c=${concurrency}`, target: '≥ 5×', measured: formatSpread(s, 2, '×'), met: s.median >= 5 }],
      notes: [`client-side JSON encoding (${ms(encodeJsonMs, 1)} ms per request) is excluded; a naive client pays it on top.`],
    });
  } finally {
    await server.close();
  }
}

async function inProcessRunTime(model: Uint8Array, data: Float32Array): Promise<number> {
  const session = await ort.InferenceSession.create(model, { executionProviders: ['cpu'], interOpNumThreads: 1 });
  const feed = { image: new ort.Tensor('float32', data, SHAPE) };
  for (let i = 0; i < 20; i++) await session.run(feed);
  const times: number[] = [];
  for (let i = 0; i < 100; i++) {
    const t = performance.now();
    await session.run(feed);
    times.push(performance.now() - t);
  }
  await session.release();
  return median(times);
}

function timeIt(fn: () => unknown, n: number): number {
  fn();
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    fn();
    times.push(performance.now() - t);
  }
  return median(times);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
