/**
 * Worker-thread side of ipc-cost: answers every message with a small object. A message carrying `back: true`
 * transfers its buffer back with the answer, so the sender can reuse it without a copy.
 */
import { parentPort } from 'node:worker_threads';

interface Ping { id: number; data?: Float32Array<ArrayBuffer>; back?: boolean }

parentPort?.on('message', (message: Ping) => {
  const answer = { id: message.id, n: message.data?.length ?? 0 };
  if (message.back && message.data) parentPort!.postMessage({ ...answer, data: message.data }, [message.data.buffer]);
  else parentPort!.postMessage(answer);
});
