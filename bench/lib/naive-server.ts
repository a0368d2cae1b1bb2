/**
 * The "naive" baseline of tiny-batching: a minimal Fastify server that decodes a v2 infer body (binary tensor
 * extension or JSON, FP32 inputs only) and calls onnxruntime-node's `session.run` inline on its own event loop —
 * no worker, no queue, no batching, no auth, no statistics. It answers in the same format as tessera (JSON header +
 * binary blobs when `binary_data_output` is set, else JSON), so one load generator and one check serve both.
 *
 * Started by the bench with `child_process.fork` (IPC channel): `naive-server.js <model.onnx> <intra-op threads>`.
 * Posts `{ url }` once it listens on a free port of 127.0.0.1; exits when the parent disconnects.
 */
import { readFileSync } from 'node:fs';
import Fastify from 'fastify';
import * as ort from 'onnxruntime-node';

interface WireTensor {
  name: string;
  datatype: string;
  shape: number[];
  data?: unknown;
  parameters?: { binary_data_size?: number };
}
interface WireRequest {
  inputs: WireTensor[];
  parameters?: { binary_data_output?: boolean };
}

const [modelPath, threadsArg] = process.argv.slice(2);
if (modelPath === undefined) throw new Error('usage: naive-server.js <model.onnx> [intra-op threads]');
const threads = Number(threadsArg ?? 1);
const session = await ort.InferenceSession.create(readFileSync(modelPath), {
  executionProviders: ['cpu'], interOpNumThreads: 1, ...(threads > 0 ? { intraOpNumThreads: threads } : {}),
});

const app = Fastify({ logger: false, bodyLimit: 64 * 1024 * 1024 });
app.removeAllContentTypeParsers();
app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));

app.post<{ Params: { model: string } }>('/v2/models/:model/infer', async (request, reply) => {
  const body = request.body as Buffer;
  const headerLengthText = request.headers['inference-header-content-length'];
  const headerLength = typeof headerLengthText === 'string' ? Number(headerLengthText) : body.byteLength;
  const header = JSON.parse(body.toString('utf8', 0, headerLength)) as WireRequest;
  let offset = headerLength;
  const feeds: Record<string, ort.Tensor> = {};
  for (const input of header.inputs) {
    if (input.datatype !== 'FP32') return reply.code(400).send({ error: 'FP32 only' });
    const size = input.parameters?.binary_data_size;
    let data: Float32Array;
    if (size !== undefined) {
      // A copy: the blob's offset inside the body need not be 4-byte aligned.
      data = new Float32Array(body.buffer.slice(body.byteOffset + offset, body.byteOffset + offset + size));
      offset += size;
    } else {
      data = Float32Array.from((input.data as number[]).flat(Infinity) as number[]);
    }
    feeds[input.name] = new ort.Tensor('float32', data, input.shape);
  }
  const results = await session.run(feeds);
  const binary = header.parameters?.binary_data_output === true;
  const blobs: Buffer[] = [];
  const outputs = session.outputNames.map((name) => {
    const tensor = results[name];
    const base = { name, datatype: 'FP32', shape: [...tensor.dims] };
    const values = tensor.data as Float32Array;
    if (!binary) return { ...base, data: Array.from(values) };
    const bytes = Buffer.from(values.buffer, values.byteOffset, values.byteLength);
    blobs.push(bytes);
    return { ...base, parameters: { binary_data_size: bytes.byteLength } };
  });
  const answer = { model_name: request.params.model, model_version: '1', outputs };
  if (!binary) return reply.type('application/json').send(JSON.stringify(answer));
  const json = Buffer.from(JSON.stringify(answer));
  void reply.header('inference-header-content-length', String(json.byteLength));
  return reply.type('application/octet-stream').send(Buffer.concat([json, ...blobs]));
});

const url = await app.listen({ host: '127.0.0.1', port: 0 });
process.send?.({ url });
process.on('disconnect', () => {
  void app.close().then(() => session.release()).finally(() => process.exit(0));
});
