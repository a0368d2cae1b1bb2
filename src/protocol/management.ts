import type { TensorMetadata } from './datatypes.js';

export type VersionState = 'VALIDATING' | 'READY' | 'FAILED';

/** Model-level settings; `preprocess` is free-form here and given meaning by the image-classification issue. */
export interface ModelInfo {
  name: string;
  task: string;
  description: string;
  labels: string[];
  preprocess: Record<string, unknown>;
  createdAt: string;
  updatedAt: string;
  latestVersion: number | null;
  aliases: Record<string, number>;
}

export interface CreateModelRequest {
  name: string;
  task?: string;
  description?: string;
  labels?: string[];
  preprocess?: Record<string, unknown>;
}

export type UpdateModelRequest = Partial<Omit<CreateModelRequest, 'name'>>;

export interface VersionInfo {
  model: string;
  version: number;
  sha256: string;
  sizeBytes: number;
  state: VersionState;
  error: string | null;
  inputs: TensorMetadata[];
  outputs: TensorMetadata[];
  createdAt: string;
}

export interface AliasInfo {
  name: string;
  version: number;
  updatedAt: string;
}

export interface AliasHistoryEntry {
  alias: string;
  fromVersion: number | null;
  toVersion: number | null;
  action: 'set' | 'rollback' | 'delete';
  at: string;
}

export interface ListResponse<T> {
  items: T[];
}
