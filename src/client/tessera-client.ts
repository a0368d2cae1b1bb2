import {
  INFERENCE_HEADER_CONTENT_LENGTH,
  type AliasHistoryEntry, type AliasInfo, type CreateModelRequest, type InferRequest, type InferResponse,
  type ListResponse, type ModelInfo, type ModelMetadata, type ModelStatistics, type RepositoryIndexEntry,
  type ServerMetadata, type TrafficSplit, type UpdateModelRequest, type VersionInfo,
} from '../protocol/index.js';
import { HttpTransport, segment } from './http-transport.js';
import { imageBytes, type ImageSource } from './image-source.js';
import { decodeInferResponse, encodeInferRequest } from './infer-codec.js';
import { aliasPath, modelPath, modelSegments, predictionPath, v2ModelPath } from './model-path.js';
import { AuditApi, EncryptionApi, KeysApi, TenantsApi, fetchUsage, fetchUsageCsv } from './security-api.js';
import type { UsageQuery, UsageReport } from './security-types.js';
import { prepareUpload } from './upload-body.js';
import type {
  AliasChangeOptions, CallOptions, InferOptions, InferResult, InferTensor, PushOptions, TesseraClientOptions, UploadBody,
} from './types.js';

/**
 * The tessera SDK: the management API (models, versions, aliases), Open Inference Protocol v2, and tenants, keys,
 * usage, audit and encryption (grouped as `client.tenants`, `client.keys`, `client.audit`, `client.encryption`) over
 * fetch. Browser-safe. Every non-2xx answer throws a TesseraError carrying the server's stable `code`. A model name
 * is `name` (in the key's tenant) or `tenant/name` (a model another tenant shared or made public).
 *
 * @example
 * const client = new TesseraClient({ url: 'http://127.0.0.1:8080', key: process.env.TESSERA_KEY });
 * await client.createModel({ name: 'iris', task: 'classification' });
 * const version = await client.pushVersion('iris', onnxBytes);
 * await client.setAlias('iris', 'production', version.version);
 * const { outputs } = await client.infer('iris', [{ name: 'input', datatype: 'FP32', shape: [1, 4], data: new Float32Array([5.1, 3.5, 1.4, 0.2]) }], { version: 'production' });
 * await client.updateModel('iris', { visibility: 'shared', sharedWith: ['beta'] }); // beta now calls 'acme/iris'
 */
export class TesseraClient {
  /** Tenants: create, list, get, setLimits, delete. */
  readonly tenants: TenantsApi;
  /** API keys: create, list, get, revoke, rotate. */
  readonly keys: KeysApi;
  /** The audit log: list, all, verify. */
  readonly audit: AuditApi;
  /** Encryption at rest: status, rotate (the master key). */
  readonly encryption: EncryptionApi;
  private readonly http: HttpTransport;

  constructor(options: TesseraClientOptions) {
    this.http = new HttpTransport(options);
    this.tenants = new TenantsApi(this.http);
    this.keys = new KeysApi(this.http);
    this.audit = new AuditApi(this.http);
    this.encryption = new EncryptionApi(this.http);
  }

  // ── health and server ────────────────────────────────────────────────────────────────────────────────────────

  /** True when the server is live (200), false when it answers 503. No key needed. */
  live(): Promise<boolean> {
    return this.http.check('/v2/health/live');
  }

  /** True when the server is ready to serve (200), false when it answers 503. No key needed. */
  ready(): Promise<boolean> {
    return this.http.check('/v2/health/ready');
  }

  /** `GET /v2`: server name, version and the protocol extensions it implements. */
  serverMetadata(): Promise<ServerMetadata> {
    return this.http.json('GET', '/v2');
  }

  /** `GET /metrics`: the Prometheus text exposition. */
  async metrics(): Promise<string> {
    return (await this.http.send('GET', '/metrics')).text();
  }

  // ── models ───────────────────────────────────────────────────────────────────────────────────────────────────

  /** Creates a model (no versions yet). @example await client.createModel({ name: 'iris', labels: ['setosa', 'versicolor', 'virginica'] }); */
  createModel(request: CreateModelRequest): Promise<ModelInfo> {
    return this.http.json('POST', '/api/models', { json: request });
  }

  async listModels(): Promise<ModelInfo[]> {
    return (await this.http.json<ListResponse<ModelInfo>>('GET', '/api/models')).items;
  }

  getModel(name: string): Promise<ModelInfo> {
    return this.http.json('GET', modelPath(name));
  }

  /** Changes a model's settings; fields left out stay as they are. Sharing: `{ visibility: 'shared', sharedWith: ['beta'] }`. */
  updateModel(name: string, patch: UpdateModelRequest): Promise<ModelInfo> {
    return this.http.json('PATCH', modelPath(name), { json: patch });
  }

  /** Deletes a model with all its versions and aliases. */
  deleteModel(name: string): Promise<void> {
    return this.http.empty('DELETE', modelPath(name));
  }

  // ── versions ─────────────────────────────────────────────────────────────────────────────────────────────────

  /**
   * Uploads ONNX bytes as the model's next version. Resolves with the version (READY, or FAILED with `error`);
   * a file the server refuses outright throws TesseraError 422 whose `body` holds `{version, state: 'FAILED'}`.
   * Pass a stream for progress reports; in a browser a streamed upload needs HTTP/2.
   *
   * @example
   * const version = await client.pushVersion('iris', file.stream(), { onProgress: (sent) => bar.update(sent) });
   */
  async pushVersion(model: string, body: UploadBody, options: PushOptions = {}): Promise<VersionInfo> {
    const upload = prepareUpload(body, options.onProgress);
    if (upload.size !== undefined) options.onProgress?.(0);
    const version = await this.http.json<VersionInfo>('POST', `${modelPath(model)}/versions`, {
      body: upload.body, duplex: upload.duplex, signal: options.signal,
      headers: { 'content-type': 'application/octet-stream' },
    });
    if (upload.size !== undefined) options.onProgress?.(upload.size);
    return version;
  }

  async listVersions(model: string): Promise<VersionInfo[]> {
    return (await this.http.json<ListResponse<VersionInfo>>('GET', `${modelPath(model)}/versions`)).items;
  }

  getVersion(model: string, version: number): Promise<VersionInfo> {
    return this.http.json('GET', `${modelPath(model)}/versions/${segment(version)}`);
  }

  /** Deletes a version; 409 VERSION_IN_USE while an alias points at it. */
  deleteVersion(model: string, version: number): Promise<void> {
    return this.http.empty('DELETE', `${modelPath(model)}/versions/${segment(version)}`);
  }

  // ── aliases ──────────────────────────────────────────────────────────────────────────────────────────────────

  /** Every alias of the model, each with its `etag`. */
  async listAliases(model: string): Promise<AliasInfo[]> {
    return (await this.http.json<ListResponse<AliasInfo>>('GET', `${modelPath(model)}/aliases`)).items;
  }

  /** One alias with its target, generation and `etag` (to send back as `ifMatch`); 404 ALIAS_NOT_FOUND when missing. */
  getAlias(model: string, alias: string, options: CallOptions = {}): Promise<AliasInfo> {
    return this.http.json('GET', aliasPath(model, alias), { signal: options.signal });
  }

  /**
   * Points an alias at a READY version (creating the alias if needed); the answer's `etag` is the new state.
   * With `ifMatch`, only from that state (412 PRECONDITION_FAILED otherwise).
   *
   * @example
   * const { etag } = await client.getAlias('iris', 'production');
   * await client.setAlias('iris', 'production', 3, { ifMatch: etag, reason: 'ticket 42' });
   */
  setAlias(model: string, alias: string, version: number, options: AliasChangeOptions = {}): Promise<AliasInfo> {
    const json = options.reason === undefined ? { version } : { version, reason: options.reason };
    return this.http.json('PUT', aliasPath(model, alias), { json, headers: ifMatchHeader(options), signal: options.signal });
  }

  /** Moves an alias back to its previous target; 409 NO_PREVIOUS_TARGET when there is none. `ifMatch` and `reason` as for setAlias. */
  rollbackAlias(model: string, alias: string, options: AliasChangeOptions = {}): Promise<AliasInfo> {
    return this.http.json('POST', `${aliasPath(model, alias)}/rollback`, {
      ...(options.reason === undefined ? {} : { json: { reason: options.reason } }),
      headers: ifMatchHeader(options), signal: options.signal,
    });
  }

  /** Every move of an alias (set, rollback, delete), oldest first as the server lists them. */
  async aliasHistory(model: string, alias: string): Promise<AliasHistoryEntry[]> {
    return (await this.http.json<ListResponse<AliasHistoryEntry>>('GET', `${aliasPath(model, alias)}/history`)).items;
  }

  /** Deletes an alias (its history stays); with `ifMatch`, only from that state. */
  deleteAlias(model: string, alias: string, options: Omit<AliasChangeOptions, 'reason'> = {}): Promise<void> {
    return this.http.empty('DELETE', aliasPath(model, alias), { headers: ifMatchHeader(options), signal: options.signal });
  }

  // ── traffic split ────────────────────────────────────────────────────────────────────────────────────────────

  /** The model's traffic split; `routes` is empty when it has none (requests without a version use the default). */
  getTraffic(model: string, options: CallOptions = {}): Promise<TrafficSplit> {
    return this.http.json('GET', `${modelPath(model)}/traffic`, { signal: options.signal });
  }

  /**
   * Spreads requests that name no version over weighted routes (integer percentages summing to 100). Every target
   * must exist (404) and be READY (409 VERSION_NOT_READY). With `stickyHeader`, one value of that request header
   * always gets the same route. Answers name the version that served them (`modelVersion`, `x-model-version`).
   *
   * @example
   * await client.setTraffic('iris', { routes: [{ alias: 'production', weight: 90 }, { version: 4, weight: 10 }], stickyHeader: 'x-user-id' });
   */
  setTraffic(model: string, traffic: TrafficSplit, options: CallOptions = {}): Promise<TrafficSplit> {
    return this.http.json('PUT', `${modelPath(model)}/traffic`, { json: traffic, signal: options.signal });
  }

  /** Removes the split (nothing to remove is fine): back to the production alias, else the newest READY version. */
  deleteTraffic(model: string, options: CallOptions = {}): Promise<void> {
    return this.http.empty('DELETE', `${modelPath(model)}/traffic`, { signal: options.signal });
  }

  // ── Open Inference Protocol v2 ───────────────────────────────────────────────────────────────────────────────

  /** Model metadata (inputs, outputs); `version` is a number or an alias name. */
  modelMetadata(model: string, version?: string | number): Promise<ModelMetadata> {
    return this.http.json('GET', v2ModelPath(model, version));
  }

  /** True when the model (version) can serve now, false when the server answers 503. */
  modelReady(model: string, version?: string | number): Promise<boolean> {
    return this.http.check(`${v2ModelPath(model, version)}/ready`);
  }

  /**
   * Runs an inference. Tensors travel with the binary tensor extension unless `binary: false`.
   *
   * @example
   * const result = await client.infer('iris', [{ name: 'input', datatype: 'FP32', shape: [1, 4], data: new Float32Array([5.1, 3.5, 1.4, 0.2]) }],
   *   { version: 'production', outputs: [{ name: 'probabilities', classification: 1 }] });
   * console.log(result.outputs[0].data);
   */
  async infer(model: string, inputs: InferTensor[], options: InferOptions = {}): Promise<InferResult> {
    const { body, headers } = encodeInferRequest(inputs, options);
    const response = await this.http.send('POST', `${v2ModelPath(model, options.version)}/infer`, { body, headers, signal: options.signal });
    const bytes = new Uint8Array(await response.arrayBuffer());
    return decodeInferResponse(bytes, response.headers.get(INFERENCE_HEADER_CONTENT_LENGTH) ?? undefined);
  }

  /** Sends a v2 JSON inference request as is and returns the parsed JSON answer. */
  inferRaw(model: string, request: InferRequest, version?: string | number, options: CallOptions = {}): Promise<InferResponse> {
    return this.http.json('POST', `${v2ModelPath(model, version)}/infer`, { json: request, signal: options.signal });
  }

  /** `POST /v2/repository/index`: every model with its state (`ready: true` lists only ready ones). */
  repositoryIndex(options: { ready?: boolean } = {}): Promise<RepositoryIndexEntry[]> {
    return this.http.json('POST', '/v2/repository/index', { json: options });
  }

  /** Loads (or reloads) a model's workers. */
  loadModel(model: string): Promise<void> {
    return this.http.empty('POST', `/v2/repository/models/${modelSegments(model)}/load`);
  }

  /** Unloads a model's workers; it loads again on its next request (or `loadModel`). */
  unloadModel(model: string): Promise<void> {
    return this.http.empty('POST', `/v2/repository/models/${modelSegments(model)}/unload`);
  }

  /**
   * Classifies images with an image-classification model (`POST /predictions/{model}[/{version}]`): one list of
   * `{label, index, probability}` per image, best first. Several images run as one batch.
   *
   * @example
   * const [top] = await client.predictImage('vgg16', './cat.jpg', { topk: 5 });
   */
  async predictImage(model: string, images: ImageSource | ImageSource[], options: { topk?: number; version?: string | number; signal?: AbortSignal } = {}): Promise<ImagePrediction[][]> {
    const list = Array.isArray(images) ? images : [images];
    const path = predictionPath(model, options.version, options.topk ?? 5);
    const body = new FormData();
    for (const [i, image] of list.entries()) body.append('file', new Blob([await imageBytes(image) as Uint8Array<ArrayBuffer>]), `image-${i}`);
    const answer = await this.http.json<{ predictions: ImagePrediction[] | ImagePrediction[][] }>('POST', path, { body, signal: options.signal });
    return list.length === 1 ? [answer.predictions as ImagePrediction[]] : answer.predictions as ImagePrediction[][];
  }

  /** Inference statistics: of every model, of one model, or of one version. */
  async modelStats(model?: string, version?: string | number): Promise<ModelStatistics[]> {
    const path = model === undefined ? '/v2/models/stats' : `${v2ModelPath(model, version)}/stats`;
    return (await this.http.json<{ model_stats: ModelStatistics[] }>('GET', path)).model_stats;
  }

  // ── usage ────────────────────────────────────────────────────────────────────────────────────────────────────

  /** Metered inference usage, grouped (default by day and model). @example await client.usage({ from: '2025-01-01', groupBy: ['model'] }); */
  usage(query: UsageQuery = {}): Promise<UsageReport> {
    return fetchUsage(this.http, query);
  }

  /** The same report as CSV text (a header line, then one line per row). */
  usageCsv(query: UsageQuery = {}): Promise<string> {
    return fetchUsageCsv(this.http, query);
  }
}

/** One class of an image prediction. */
export interface ImagePrediction {
  label: string;
  index: number;
  probability: number;
}

/** The If-Match header of an alias change, when one was asked for. */
function ifMatchHeader(options: { ifMatch?: string }): Record<string, string> | undefined {
  return options.ifMatch === undefined ? undefined : { 'if-match': options.ifMatch };
}
