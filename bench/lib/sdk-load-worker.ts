/**
 * Worker-thread closed loop through the SDK (`TesseraClient.infer`, binary extension), so the client's encoding,
 * decoding and garbage collection run on their own event loop and heap, not on the server's main thread.
 */
import { performance } from 'node:perf_hooks';
import { parentPort, workerData } from 'node:worker_threads';
import { TesseraClient, type InferTensor } from '../../src/client/index.js';
import { pseudoRandomFloats } from './common.js';

export interface SdkLoadTask {
  url: string;
  key: string;
  model: string;
  inputName: string;
  shape: number[];
  concurrency: number;
  warmupMs: number;
  durationMs: number;
}

export interface SdkLoadResult {
  /** Completion times (ms, this thread's clock) inside the measured window, sorted. */
  completions: number[];
  latenciesMs: number[];
}

const task = workerData as SdkLoadTask;
const client = new TesseraClient({ url: task.url, key: task.key });
const inputs: InferTensor[] = [{
  name: task.inputName, datatype: 'FP32', shape: task.shape, data: pseudoRandomFloats(task.shape.reduce((a, b) => a * b, 1)),
}];
const from = performance.now() + task.warmupMs;
const to = from + task.durationMs;
const completions: number[] = [];
const latenciesMs: number[] = [];
const lane = async (): Promise<void> => {
  while (performance.now() < to) {
    const started = performance.now();
    await client.infer(task.model, inputs, { binary: true });
    const done = performance.now();
    if (done >= from && done <= to) { completions.push(done); latenciesMs.push(done - started); }
  }
};
await Promise.all(Array.from({ length: task.concurrency }, lane));
completions.sort((a, b) => a - b);
parentPort?.postMessage({ completions, latenciesMs } satisfies SdkLoadResult);
