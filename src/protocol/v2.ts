import type { Datatype, TensorMetadata } from './datatypes.js';

/** A request/response parameter map (Open Inference Protocol §1.9). */
export type Parameters = Record<string, string | number | boolean>;

/** Nested or flat JSON tensor data. */
export type JsonTensorData = Array<number | boolean | string | JsonTensorData>;

export interface InferInputTensor {
  name: string;
  shape: number[];
  datatype: Datatype;
  parameters?: Parameters;
  data?: JsonTensorData;
}

export interface InferRequestedOutput {
  name: string;
  parameters?: Parameters;
}

export interface InferRequest {
  id?: string;
  parameters?: Parameters;
  inputs: InferInputTensor[];
  outputs?: InferRequestedOutput[];
}

export interface InferOutputTensor {
  name: string;
  shape: number[];
  datatype: Datatype;
  parameters?: Parameters;
  data?: JsonTensorData;
}

export interface InferResponse {
  model_name: string;
  model_version?: string;
  id?: string;
  parameters?: Parameters;
  outputs: InferOutputTensor[];
}

export interface ServerMetadata {
  name: string;
  version: string;
  extensions: string[];
}

export interface ModelMetadata {
  name: string;
  versions?: string[];
  platform: string;
  inputs: TensorMetadata[];
  outputs: TensorMetadata[];
}

export interface RepositoryIndexEntry {
  name: string;
  version?: string;
  state?: 'READY' | 'UNAVAILABLE' | 'LOADING' | 'UNLOADING';
  reason?: string;
}

/** A cumulative duration statistic: count and nanoseconds. */
export interface DurationStat {
  count: number;
  ns: number;
}

export interface ModelStatistics {
  name: string;
  version: string;
  last_inference: number;
  inference_count: number;
  execution_count: number;
  inference_stats: {
    success: DurationStat; fail: DurationStat; queue: DurationStat;
    compute_input: DurationStat; compute_infer: DurationStat; compute_output: DurationStat;
    cache_hit: DurationStat; cache_miss: DurationStat;
  };
  batch_stats: Array<{ batch_size: number; compute_input: DurationStat; compute_infer: DurationStat; compute_output: DurationStat }>;
}

/** The header naming the byte length of the JSON part of a binary-extension body. */
export const INFERENCE_HEADER_CONTENT_LENGTH = 'inference-header-content-length';
