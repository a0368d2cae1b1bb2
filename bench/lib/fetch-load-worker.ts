/**
 * Worker-thread closed loop through Node's global `fetch` (undici, keep-alive by default: one pooled connection per
 * outstanding request). Bodies are pre-encoded and sent round-robin; every response body is read to the end. Posts a
 * `LoadResult` back (same shape as `lib/http-load.ts`).
 */
import { performance } from 'node:perf_hooks';
import { parentPort, workerData } from 'node:worker_threads';
import type { LoadResult } from './http-load.js';

export interface FetchLoadTask {
  /** Base URL, e.g. http://127.0.0.1:8080 */
  url: string;
  path: string;
  headers: Record<string, string>;
  /** Sent round-robin, one per request. */
  bodies: Uint8Array[];
  concurrency: number;
  warmupMs: number;
  durationMs: number;
}

async function closedLoop(task: FetchLoadTask): Promise<LoadResult> {
  const target = new URL(task.path, task.url).toString();
  const start = performance.now();
  const measureFrom = start + task.warmupMs;
  const measureTo = measureFrom + task.durationMs;
  const completions: number[] = [];
  const latenciesMs: number[] = [];
  let errors = 0;
  let firstError: string | undefined;
  let next = 0;
  const lane = async (): Promise<void> => {
    while (performance.now() < measureTo) {
      const body = task.bodies[next];
      next = (next + 1) % task.bodies.length;
      const sent = performance.now();
      let ok = true;
      try {
        const response = await fetch(target, { method: 'POST', headers: task.headers, body: body as Uint8Array<ArrayBuffer> });
        const text = await response.text();
        if (response.status !== 200) { ok = false; firstError ??= `HTTP ${response.status}: ${text.slice(0, 300)}`; }
      } catch (error) {
        ok = false;
        firstError ??= (error as Error).message;
      }
      const done = performance.now();
      if (done < measureFrom || done > measureTo) continue;
      if (!ok) { errors++; continue; }
      completions.push(done);
      latenciesMs.push(done - sent);
    }
  };
  await Promise.all(Array.from({ length: task.concurrency }, lane));
  completions.sort((a, b) => a - b);
  const rate = completions.length >= 2 ? ((completions.length - 1) * 1000) / (completions[completions.length - 1] - completions[0]) : NaN;
  return { completions: completions.length, rate, latenciesMs, errors, ...(firstError !== undefined ? { firstError } : {}) };
}

if (parentPort !== null && workerData !== null && typeof workerData === 'object' && 'bodies' in workerData) {
  closedLoop(workerData as FetchLoadTask).then(
    (value) => parentPort?.postMessage(value),
    (error: Error) => { throw error; },
  );
}
