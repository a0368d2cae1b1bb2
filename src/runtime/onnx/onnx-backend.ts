import * as ort from 'onnxruntime-node';
import type { Datatype, Tensor, TensorData, TensorMetadata } from '../../core/index.js';
import type { BackendSession, InferenceBackend, SessionSettings } from '../inference-backend.js';

/** The only place that imports onnxruntime-node. */

const TO_ORT: Readonly<Record<Datatype, ort.Tensor.Type>> = {
  BOOL: 'bool', UINT8: 'uint8', UINT16: 'uint16', UINT32: 'uint32', UINT64: 'uint64',
  INT8: 'int8', INT16: 'int16', INT32: 'int32', INT64: 'int64',
  FP16: 'float16', BF16: 'bfloat16' as ort.Tensor.Type, FP32: 'float32', FP64: 'float64', BYTES: 'string',
};

const FROM_ORT: Readonly<Record<string, Datatype>> = Object.fromEntries(
  Object.entries(TO_ORT).map(([datatype, type]) => [type, datatype as Datatype]),
);

function toOrtTensor(tensor: Tensor): ort.Tensor {
  const type = TO_ORT[tensor.datatype];
  if (tensor.datatype === 'BYTES') {
    const strings = (tensor.data as Uint8Array[]).map((bytes) => Buffer.from(bytes).toString('utf8'));
    return new ort.Tensor('string', strings, tensor.shape);
  }
  return new ort.Tensor(type, tensor.data as ort.Tensor.DataType, tensor.shape);
}

function fromOrtTensor(name: string, value: ort.Tensor): Tensor {
  const datatype = FROM_ORT[value.type];
  if (datatype === undefined) throw new Error(`Output "${name}" has type ${value.type}, which tessera cannot send.`);
  const data: TensorData = datatype === 'BYTES'
    ? (value.data as string[]).map((text) => new Uint8Array(Buffer.from(text, 'utf8')))
    : (value.data as Exclude<TensorData, Uint8Array[]>);
  return { name, datatype, shape: [...value.dims], data };
}

function metadataOf(list: readonly ort.InferenceSession.ValueMetadata[]): TensorMetadata[] {
  return list.map((meta) => {
    if (!meta.isTensor) return { name: meta.name, datatype: 'BYTES', shape: [] };
    const datatype = FROM_ORT[meta.type] ?? 'FP32';
    const shape = meta.shape.map((dim) => (typeof dim === 'number' && dim >= 0 ? dim : -1));
    return { name: meta.name, datatype, shape };
  });
}

class OnnxSession implements BackendSession {
  readonly inputs: TensorMetadata[];
  readonly outputs: TensorMetadata[];

  constructor(private readonly session: ort.InferenceSession) {
    this.inputs = metadataOf(session.inputMetadata);
    this.outputs = metadataOf(session.outputMetadata);
  }

  async run(inputs: readonly Tensor[], outputNames: readonly string[]): Promise<Tensor[]> {
    const feeds: Record<string, ort.Tensor> = {};
    for (const input of inputs) feeds[input.name] = toOrtTensor(input);
    const names = outputNames.length > 0 ? [...outputNames] : [...this.session.outputNames];
    const results = await this.session.run(feeds, names);
    return names.map((name) => fromOrtTensor(name, results[name]));
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}

/** onnxruntime-node on the CPU execution provider. */
export class OnnxBackend implements InferenceBackend {
  readonly name = 'onnxruntime';

  async createSession(model: Uint8Array, settings: SessionSettings): Promise<BackendSession> {
    const options: ort.InferenceSession.SessionOptions = {
      executionProviders: ['cpu'],
      interOpNumThreads: 1,
      ...(settings.intraOpThreads > 0 ? { intraOpNumThreads: settings.intraOpThreads } : {}),
    };
    return new OnnxSession(await ort.InferenceSession.create(model, options));
  }
}
