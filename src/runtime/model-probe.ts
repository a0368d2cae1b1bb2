import type { TensorMetadata } from '../core/index.js';
import { residentBytes, WorkerProcess } from './worker/worker-process.js';

export interface ProbeOptions {
  /** Wall-clock cap for loading plus one run. */
  timeoutMs: number;
  /** Resident-memory cap of the probe process in bytes. */
  memoryBytes: number;
  intraOpThreads: number;
}

export type ProbeResult =
  | { ok: true; inputs: TensorMetadata[]; outputs: TensorMetadata[]; warning?: string }
  | { ok: false; reason: string };

const MEMORY_POLL_MS = 20;

/**
 * Loads a model and runs it once on generated inputs in a fresh, disposable process with a time and memory cap.
 * A load error, crash, timeout or memory exhaustion is a verdict (`ok: false`); an error from the smoke run alone is
 * only a warning, since many valid models reject zero-filled inputs.
 */
export async function probeModel(model: Uint8Array, options: ProbeOptions): Promise<ProbeResult> {
  let verdict: string | undefined;
  const worker = new WorkerProcess({ settings: { intraOpThreads: options.intraOpThreads }, runTimeoutMs: options.timeoutMs });
  const stopWith = (reason: string): void => { verdict ??= reason; worker.kill(reason); };
  const timer = setTimeout(() => stopWith(`loading and running the model took longer than ${options.timeoutMs} ms`), options.timeoutMs);
  const poller = setInterval(() => {
    if (worker.pid === undefined) return;
    void residentBytes(worker.pid).then((bytes) => {
      if (bytes !== undefined && bytes > options.memoryBytes) {
        stopWith(`the model used more than ${Math.round(options.memoryBytes / 1048576)} MiB of memory while loading or running`);
      }
    });
  }, MEMORY_POLL_MS);
  try {
    const loaded = await worker.load(model, true);
    return { ok: true, inputs: loaded.inputs, outputs: loaded.outputs, ...(loaded.probeWarning ? { warning: loaded.probeWarning } : {}) };
  } catch (error) {
    return { ok: false, reason: verdict ?? (error as Error).message };
  } finally {
    clearTimeout(timer);
    clearInterval(poller);
    await worker.stop(1000);
  }
}
