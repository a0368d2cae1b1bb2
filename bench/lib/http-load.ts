/**
 * A lean load generator: node:http with a keep-alive Agent, a pre-encoded body, responses drained and discarded.
 * Closed loop (N requests outstanding) and sequential probes. Runs in the calling thread; `runHttpTask` runs
 * the same in a worker thread so the generator has its own event loop.
 */
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';

export interface HttpTarget {
  /** Base URL, e.g. http://127.0.0.1:8080 */
  url: string;
  path: string;
  method: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: Uint8Array;
  /** Several pre-encoded bodies sent round-robin (instead of `body`). */
  bodies?: Uint8Array[];
}

export interface ClosedLoopOptions {
  concurrency: number;
  /** Not recorded: connections open, JIT and the model worker warm up. */
  warmupMs: number;
  durationMs: number;
}

export interface ProbeOptions {
  /** Pause between the end of one probe and the start of the next. */
  intervalMs: number;
  warmupMs: number;
  durationMs: number;
}

export interface LoadResult {
  /** Completions inside the measured window. */
  completions: number;
  /** Completions per second, from the first to the last completion in the window. */
  rate: number;
  /** Latency of every request that completed inside the window, ms. */
  latenciesMs: number[];
  errors: number;
  firstError?: string;
}

export type HttpTask =
  | { kind: 'closed-loop'; target: HttpTarget; options: ClosedLoopOptions }
  | { kind: 'probe'; target: HttpTarget; options: ProbeOptions };

interface Sender {
  send(): Promise<{ status: number; snippet?: string }>;
  close(): void;
}

function sender(target: HttpTarget, sockets: number): Sender {
  const agent = new http.Agent({ keepAlive: true, maxSockets: sockets, maxFreeSockets: sockets });
  const base = new URL(target.url);
  const toBuffer = (bytes: Uint8Array): Buffer => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const bodies = (target.bodies ?? (target.body === undefined ? [] : [target.body])).map(toBuffer);
  const options = bodies.map((body): http.RequestOptions => ({
    agent, host: base.hostname, port: base.port, path: target.path, method: target.method,
    headers: { ...target.headers, 'content-length': String(body.byteLength) },
  }));
  if (bodies.length === 0) options.push({ agent, host: base.hostname, port: base.port, path: target.path, method: target.method, headers: { ...target.headers } });
  let next = 0;
  return {
    send() {
      const index = next;
      next = (next + 1) % options.length;
      const requestOptions = options[index];
      const body = bodies[index];
      return new Promise((resolve, reject) => {
        const request = http.request(requestOptions, (response) => {
          const status = response.statusCode ?? 0;
          let snippet = '';
          response.on('data', (chunk: Buffer) => { if (status !== 200 && snippet.length < 300) snippet += chunk.toString('utf8', 0, 300); });
          response.on('end', () => resolve(status === 200 ? { status } : { status, snippet }));
          response.on('error', reject);
        });
        request.on('error', reject);
        request.end(body);
      });
    },
    close() { agent.destroy(); },
  };
}

/** N lanes, each sending its next request as soon as the previous one is answered. */
export async function closedLoop(target: HttpTarget, options: ClosedLoopOptions): Promise<LoadResult> {
  const client = sender(target, options.concurrency);
  try {
    return await measureClosedLoop(() => client.send(), options);
  } finally {
    client.close();
  }
}

/**
 * The closed-loop measurement any client shares: `concurrency` lanes call `send` back to back; answers completed
 * inside the window after the warm-up count (non-200 answers and exceptions count as errors).
 */
export async function measureClosedLoop(send: () => Promise<{ status: number; snippet?: string }>, options: ClosedLoopOptions): Promise<LoadResult> {
  const measureFrom = performance.now() + options.warmupMs;
  const measureTo = measureFrom + options.durationMs;
  const completions: number[] = [];
  const latenciesMs: number[] = [];
  let errors = 0;
  let firstError: string | undefined;
  const lane = async (): Promise<void> => {
    while (performance.now() < measureTo) {
      const sent = performance.now();
      let ok = true;
      try {
        const answer = await send();
        if (answer.status !== 200) { ok = false; firstError ??= `HTTP ${answer.status}: ${answer.snippet ?? ''}`; }
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
  await Promise.all(Array.from({ length: options.concurrency }, lane));
  completions.sort((a, b) => a - b);
  const rate = completions.length >= 2 ? ((completions.length - 1) * 1000) / (completions[completions.length - 1] - completions[0]) : NaN;
  return { completions: completions.length, rate, latenciesMs, errors, ...(firstError !== undefined ? { firstError } : {}) };
}

export async function probe(target: HttpTarget, options: ProbeOptions): Promise<LoadResult> {
  const client = sender(target, 1);
  const start = performance.now();
  const measureFrom = start + options.warmupMs;
  const measureTo = measureFrom + options.durationMs;
  const latenciesMs: number[] = [];
  let errors = 0;
  let firstError: string | undefined;
  while (performance.now() < measureTo) {
    const sent = performance.now();
    try {
      const answer = await client.send();
      if (answer.status !== 200) throw new Error(`HTTP ${answer.status}: ${answer.snippet}`);
      if (sent >= measureFrom) latenciesMs.push(performance.now() - sent);
    } catch (error) {
      if (sent >= measureFrom) errors++;
      firstError ??= (error as Error).message;
    }
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs));
  }
  client.close();
  const rate = latenciesMs.length / (options.durationMs / 1000);
  return { completions: latenciesMs.length, rate, latenciesMs, errors, ...(firstError !== undefined ? { firstError } : {}) };
}

/** Runs a task in a fresh worker thread (its own event loop) and resolves with its result. */
export function runHttpTask(task: HttpTask): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./http-worker.js', import.meta.url), { workerData: task });
    let settled = false;
    worker.once('message', (result: LoadResult) => { settled = true; resolve(result); void worker.terminate(); });
    worker.once('error', (error) => { settled = true; reject(error); });
    worker.once('exit', (code) => { if (!settled) reject(new Error(`load worker exited with code ${code}`)); });
  });
}
