/**
 * Entry of a model worker process. The session lives on a thread of this process (session-host); this main thread
 * only relays IPC messages, so the next request streams in while the current one runs, and the process can still be
 * killed safely at any moment (a thread could not be: terminating it mid-run aborts its process).
 */
import { Worker } from 'node:worker_threads';
import type { Tensor } from '../../core/index.js';
import { transferablesOf } from './transferables.js';
import type { FromWorker, ToWorker } from './worker-messages.js';

const host = new Worker(new URL('./session-host.js', import.meta.url));

host.on('message', (message: FromWorker) => process.send?.(message));
host.on('error', (error: Error) => {
  process.stderr.write(`session thread failed: ${error.message}\n`);
  process.exit(70);
});
host.on('exit', (code) => process.exit(code === 0 ? 0 : 70));

/**
 * Typed arrays that arrive over IPC are views into the channel's read buffer, which may hold the next messages too:
 * they are copied into buffers of their own (one copy), and those are moved to the session thread without another.
 */
process.on('message', (message: ToWorker) => {
  if (message.type === 'run') {
    const inputs = message.inputs.map(ownCopy);
    host.postMessage({ ...message, inputs }, transferablesOf(inputs));
  } else if (message.type === 'load') {
    const model = message.model.slice();
    host.postMessage({ ...message, model }, [model.buffer]);
  } else {
    host.postMessage(message);
  }
});

function ownCopy(tensor: Tensor): Tensor {
  const data = Array.isArray(tensor.data) ? tensor.data.map((bytes) => bytes.slice()) : tensor.data.slice();
  return { ...tensor, data };
}
process.on('disconnect', () => process.exit(0));

/** If the server dies without a word (kill -9), this process must not live on. */
const parent = process.ppid;
setInterval(() => { if (process.ppid !== parent) process.kill(process.pid, 'SIGKILL'); }, 500).unref();
