/** Worker-thread entry of `runHttpTask`: runs one load or probe task and posts its result back. */
import { parentPort, workerData } from 'node:worker_threads';
import { closedLoop, probe, type HttpTask, type LoadResult } from './http-load.js';

const task = workerData as HttpTask;
const result: Promise<LoadResult> = task.kind === 'closed-loop' ? closedLoop(task.target, task.options) : probe(task.target, task.options);
result.then(
  (value) => parentPort?.postMessage(value),
  (error: Error) => { throw error; },
);
