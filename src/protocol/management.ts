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
  /**
   * Which READY versions stay loaded (Triton's version policy), plus every version an alias points at; they are loaded
   * at start-up and after every change, and never evicted by the memory budget. Absent: versions load on demand only.
   */
  versionPolicy?: VersionPolicy;
}

/** `{"latest": n}` (the n newest READY versions, 1–100), `"all"`, or `{"specific": [v, …]}` (1–100 version numbers). */
export type VersionPolicy = { latest: number } | 'all' | { specific: number[] };

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
  /** The version's workers in this server process; null when it is not loaded. */
  loaded: LoadedVersionStatus | null;
}

/** A loaded version as `GET /api/models/{name}/versions/{version}` shows it. */
export interface LoadedVersionStatus {
  state: 'LOADING' | 'READY' | 'UNAVAILABLE' | 'UNLOADING';
  /** Measured resident memory of its workers; 0 while loading. */
  residentBytes: number;
  loadSeconds: number;
  /** Its last request (or its load); null while loading. */
  lastUsedAt: string | null;
  /** Never evicted by the memory budget (`runtime.pinned`, or kept by the version policy). */
  pinned: boolean;
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

/**
 * One route of a traffic split: exactly one of `version` (a version number) or `alias` (an alias name, followed at
 * request time), and its share of the requests in percent (an integer 0–100; 0 keeps the route but sends it nothing).
 */
export interface TrafficRoute {
  version?: number;
  alias?: string;
  weight: number;
}

/**
 * Body and answer of `PUT /api/models/{name}/traffic` (the answer of `GET` too, with `routes: []` when the model has
 * no split). Requests that name no version are spread over `routes` by weight; the weights sum to exactly 100. With
 * `stickyHeader` (a lower-case header name), requests carrying that header always land on the same route for the same
 * header value, as long as the weights stay the same.
 */
export interface TrafficSplit {
  routes: TrafficRoute[];
  stickyHeader?: string;
}

/** Most routes of one traffic split. */
export const MAX_TRAFFIC_ROUTES = 10;

/** The response header naming the version that answered (v2 infer and `/predictions`). */
export const MODEL_VERSION_HEADER = 'x-model-version';
