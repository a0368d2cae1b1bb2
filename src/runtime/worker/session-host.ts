/**
 * The thread inside a worker process that owns the onnxruntime session. Runs execute one at a time in arrival order;
 * `session.run` blocks this thread only, so the process's main thread keeps receiving the next requests meanwhile.
 */
import { parentPort } from 'node:worker_threads';
import type { Tensor, TensorMetadata } from '../../core/index.js';
import { allocateNumeric } from '../../core/index.js';
import type { BackendSession } from '../inference-backend.js';
import { OnnxBackend } from '../onnx/index.js';
import type { FromWorker, ToWorker } from './worker-messages.js';

let session: BackendSession | undefined;
let queue: Promise<void> = Promise.resolve();

/**
 * Outputs are copied, never transferred: their buffers belong to onnxruntime's tensors, and detaching one makes the
 * binding abort the process when it later releases that tensor (seen under load as SIGABRT, Napi::Error).
 */
function send(message: FromWorker): void {
  parentPort?.postMessage(message);
}

/** Inputs generated from a signature for the smoke run: variable dims become 1, data is zero. */
function probeInputs(inputs: readonly TensorMetadata[]): Tensor[] {
  return inputs.map((meta) => {
    const shape = meta.shape.map((dim) => (dim > 0 ? dim : 1));
    const count = shape.reduce((a, b) => a * b, 1);
    const data = meta.datatype === 'BYTES'
      ? Array.from({ length: count }, () => new Uint8Array([0x61]))
      : allocateNumeric(meta.datatype, count);
    return { name: meta.name, datatype: meta.datatype, shape, data };
  });
}

async function load(message: Extract<ToWorker, { type: 'load' }>): Promise<void> {
  try {
    session = await new OnnxBackend().createSession(message.model, message.settings);
  } catch (error) {
    send({ type: 'load-failed', message: (error as Error).message });
    return;
  }
  let probeWarning: string | undefined;
  if (message.probe) {
    try {
      await session.run(probeInputs(session.inputs), []);
    } catch (error) {
      probeWarning = (error as Error).message;
    }
  }
  send({ type: 'loaded', inputs: session.inputs, outputs: session.outputs, probeWarning });
}

async function run(message: Extract<ToWorker, { type: 'run' }>): Promise<void> {
  if (session === undefined) {
    send({ type: 'run-failed', id: message.id, message: 'no model loaded' });
    return;
  }
  if (message.deadline !== undefined && message.deadline <= Date.now()) {
    send({ type: 'run-failed', id: message.id, message: 'the deadline passed before the run started', expired: true });
    return;
  }
  const started = process.hrtime.bigint();
  try {
    const outputs = await session.run(message.inputs, message.outputs);
    send({ type: 'result', id: message.id, outputs, computeNs: Number(process.hrtime.bigint() - started) });
  } catch (error) {
    send({ type: 'run-failed', id: message.id, message: (error as Error).message });
  }
}

async function release(): Promise<void> {
  await session?.release();
  session = undefined;
  send({ type: 'released' });
}

parentPort?.on('message', (message: ToWorker) => {
  const task = message.type === 'load' ? () => load(message) : message.type === 'run' ? () => run(message) : release;
  queue = queue.then(task);
});
