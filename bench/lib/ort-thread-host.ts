/**
 * Worker-thread side of ipc-cost: one onnxruntime session in a worker thread. Inputs arrive transferred; the input
 * buffer is transferred back with the (small) outputs so the sender can reuse it.
 */
import { parentPort, workerData } from 'node:worker_threads';
import * as ort from 'onnxruntime-node';

interface Setup { modelPath: string; threads: number; inputName: string; shape: number[] }
interface Run { id: number; data: Float32Array<ArrayBuffer> }

const setup = workerData as Setup;
const session = await ort.InferenceSession.create(setup.modelPath, {
  executionProviders: ['cpu'], interOpNumThreads: 1, intraOpNumThreads: setup.threads,
});
parentPort?.on('message', (message: Run) => {
  void (async () => {
    const started = process.hrtime.bigint();
    const results = await session.run({ [setup.inputName]: new ort.Tensor('float32', message.data, setup.shape) });
    const computeNs = Number(process.hrtime.bigint() - started);
    const output = results[session.outputNames[0]].data as Float32Array;
    parentPort!.postMessage({ id: message.id, output, computeNs, data: message.data }, [message.data.buffer]);
  })();
});
parentPort?.postMessage({ ready: true });
