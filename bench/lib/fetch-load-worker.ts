/**
 * Worker-thread closed loop through Node's global `fetch` (undici, keep-alive by default: one pooled connection per
 * outstanding request). Bodies are pre-encoded and sent round-robin; every response body is read to the end. Posts a
 * `LoadResult` back (same shape as `lib/http-load.ts`).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { measureClosedLoop, type LoadResult } from './http-load.js';

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
  let next = 0;
  const send = async (): Promise<{ status: number; snippet?: string }> => {
    const body = task.bodies[next];
    next = (next + 1) % task.bodies.length;
    const response = await fetch(target, { method: 'POST', headers: task.headers, body: body as Uint8Array<ArrayBuffer> });
    const text = await response.text();
    return response.status === 200 ? { status: 200 } : { status: response.status, snippet: text.slice(0, 300) };
  };
  return measureClosedLoop(send, { concurrency: task.concurrency, warmupMs: task.warmupMs, durationMs: task.durationMs });
}

if (parentPort !== null && workerData !== null && typeof workerData === 'object' && 'bodies' in workerData) {
  closedLoop(workerData as FetchLoadTask).then(
    (value) => parentPort?.postMessage(value),
    (error: Error) => { throw error; },
  );
}
