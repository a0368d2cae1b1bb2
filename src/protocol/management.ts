import type { TensorMetadata } from './datatypes.js';
import type { Visibility } from './security.js';

export type VersionState = 'VALIDATING' | 'READY' | 'FAILED' | 'CORRUPT';

/** Model-level settings; `preprocess` is free-form here and given meaning by the image-classification issue. */
export interface ModelInfo {
  name: string;
  tenant: string;
  visibility: Visibility;
  /** Tenants a `shared` model is shared with. */
  sharedWith: string[];
  task: string;
  description: string;
  labels: string[];
  preprocess: Record<string, unknown>;
  runtime: ModelRuntimeSettings;
  createdAt: string;
  updatedAt: string;
  latestVersion: number | null;
  aliases: Record<string, number>;
}

export interface CreateModelRequest {
  name: string;
  task?: string;
  description?: string;
  /** A label list, or "imagenet" for the built-in 1,000 ImageNet-1k class names. */
  labels?: string[] | 'imagenet';
  preprocess?: Record<string, unknown>;
  runtime?: ModelRuntimeSettings;
  visibility?: Visibility;
  sharedWith?: string[];
}

/** Per-model execution settings; absent fields take the server defaults. */
export interface ModelRuntimeSettings {
  /** Worker processes serving each loaded version. */
  instances?: number;
  /** onnxruntime intra-op threads per worker. */
  intraOpThreads?: number;
  /** Per-run timeout in milliseconds; past it the answer is 504 and the worker restarts. */
  timeoutMs?: number;
  /** Dynamic batching (Triton's dynamic_batcher); absent: every request runs alone. */
  batching?: BatchingSettings;
  /** Response cache (opt-in): answers of identical requests to the same version, per tenant. */
  cache?: { maxBytes: number };
  /** Requests that may wait for this version before 503 QUEUE_FULL (default: the server's --max-queue). */
  maxQueue?: number;
  /** Never unloaded to fit the memory budget (--model-memory-bytes). */
  pinned?: boolean;
}

/**
 * Requests to one version are merged along the first (batch) dimension when their other dimensions, datatypes and
 * requested outputs match, and split back to their callers in order.
 */
export interface BatchingSettings {
  /** Most rows (summed first dimensions) in one execution; bounded by the model's batch dimension. */
  maxBatchSize: number;
  /** How long the first request of a batch may wait for others, in microseconds (default 500). */
  maxQueueDelayUs?: number;
  /** Batch sizes to run as soon as they are reached, without waiting out the delay. */
  preferredBatchSizes?: number[];
  /** Priority levels (1 = highest); a request names its level with the `priority` parameter (default: the lowest). */
  priorityLevels?: number;
}

export type UpdateModelRequest = Partial<Omit<CreateModelRequest, 'name'>>;

export interface VersionInfo {
  model: string;
  tenant: string;
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
  /** Counts the alias's moves: 1 when created, +1 on every set that changes its target and every rollback. */
  generation: number;
  /**
   * Strong validator of this state of the alias (quoted, as in the `ETag` header). Send it back in `If-Match` on a
   * set, rollback or delete to change the alias only if nobody moved it since (412 PRECONDITION_FAILED otherwise).
   */
  etag: string;
  updatedAt: string;
}

/** Body of `PUT /api/models/{name}/aliases/{alias}`. */
export interface SetAliasRequest {
  version: number;
  /** Why the alias moves, recorded in its history (at most 256 characters). */
  reason?: string;
}

/** Optional body of `POST /api/models/{name}/aliases/{alias}/rollback`. */
export interface RollbackAliasRequest {
  /** Why the alias rolls back, recorded in its history (at most 256 characters). */
  reason?: string;
}

/** Longest `reason` an alias move records. */
export const MAX_ALIAS_REASON_LENGTH = 256;

export interface AliasHistoryEntry {
  alias: string;
  fromVersion: number | null;
  toVersion: number | null;
  action: 'set' | 'rollback' | 'delete';
  /** Who or what moved it: `key:<keyId>`, `system:seed`, `system:auto-rollback`, `system:auto-promote`, or `unknown` (moves older than attribution). */
  actor: string;
  /** Why, as given with the move; empty when none was given. */
  reason: string;
  at: string;
}

export interface ListResponse<T> {
  items: T[];
}
