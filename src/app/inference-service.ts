import { fail, isServingError, parseVersionRef, ServingError, type Tensor, type TraceContext, type VersionRef } from '../core/index.js';
import type { ModelMetadata, ModelStatistics } from '../protocol/index.js';
import { resolveVersion, type ModelRecord, type VersionRecord } from '../registry/index.js';
import type { AppContext } from './app-context.js';
import { classify } from './classification.js';
import { expandImageInputs } from './image-inputs.js';
import { checkInputs, checkOutputs, type RequestedOutput } from './input-check.js';
import type { ModelService } from './model-service.js';
import { ModelCaches, responseKey } from './response-cache.js';
import { StatisticsRecorder } from './statistics-recorder.js';
import { routeTraffic, type TrafficRouting } from './traffic.js';
import type { RunRequest, RunResult } from '../runtime/index.js';
import { ensureLoaded, runtimeKey } from './version-loader.js';

export interface InferCall {
  /** Qualified `tenant/model`, access already checked. */
  model: string;
  /** The calling tenant: the fairness lane of the model's queue. */
  lane?: string;
  /** 1 is the highest; only meaningful with batching priority levels. */
  priority?: number;
  /** Absolute deadline (Date.now() ms): a request still waiting then is refused and never run. */
  deadline?: number;
  trace?: TraceContext;
  /** A version number or alias from the path; absent → the model's traffic split, else `production`, else newest READY. */
  version?: string;
  /** The sticky value of the model's traffic split, for a request without a version. */
  routing?: TrafficRouting;
  inputs: Tensor[];
  /** Empty: every output of the model. */
  outputs: RequestedOutput[];
}

export interface InferOutcome {
  model: string;
  version: number;
  outputs: Tensor[];
  queueMs: number;
  computeMs: number;
}

/** One finished request, for metrics. */
export interface InferenceEvent {
  model: string;
  version: string;
  outcome: 'success' | 'error';
  code?: string;
  totalSeconds: number;
  queueSeconds?: number;
  computeSeconds?: number;
  /** Rows of the execution, reported once per execution (by one of its requests). */
  executionBatchSize?: number;
  /** Set when the model has a response cache. */
  cache?: 'hit' | 'miss';
}

/** A loaded version as metrics and status show it. */
export interface LoadedVersionInfo {
  model: string;
  version: number;
  state: string;
  residentBytes: number;
  loadSeconds: number;
  lastUsedAt: string | null;
}

export interface InferenceObserver {
  observe(event: InferenceEvent): void;
}

/** Running models: version resolution, signature checks, on-demand loading, classification and statistics. */
export class InferenceService {
  readonly statistics = new StatisticsRecorder();
  private readonly caches = new ModelCaches();

  constructor(private readonly context: AppContext, private readonly models: ModelService, private readonly observer: InferenceObserver) {}

  /**
   * The model and the version a request means. With `routing` (an inference) and no `version`, the model's traffic
   * split picks the version (app/traffic.ts); without a split, or when none of its targets is READY, and for reads
   * without `routing` (metadata, readiness, statistics): `production` alias, else newest READY.
   */
  resolve(modelName: string, version?: string, routing?: TrafficRouting): { model: ModelRecord; version: VersionRecord } {
    const model = this.models.require(modelName);
    const routed = version === undefined && routing !== undefined ? routeTraffic(this.context.store, model, routing) : undefined;
    if (routed !== undefined) return { model, version: routed };
    const ref: VersionRef | undefined = version === undefined ? undefined : parseVersionRef(version);
    return { model, version: resolveVersion(this.context.store, modelName, ref) };
  }

  async infer(call: InferCall): Promise<InferOutcome> {
    const started = process.hrtime.bigint();
    const { model, version } = this.resolve(call.model, call.version, call.routing ?? {});
    try {
      const inputs = await expandImageInputs(this.context, model, version, call.inputs);
      checkInputs(version.inputs, inputs);
      checkOutputs(version.outputs, call.outputs);
      const cache = version.state === 'READY' ? this.caches.of(model) : undefined;
      const cacheKey = cache === undefined ? undefined : responseKey(call.lane ?? '', version.id, inputs, call.outputs);
      const cached = cacheKey === undefined ? undefined : cache?.get(cacheKey);
      if (cached !== undefined) return this.answerFromCache(model, version, inputs, cached, started);
      const result = await this.runLoaded(model, version, {
        inputs, outputs: call.outputs.map((output) => output.name), lane: call.lane, priority: call.priority, deadline: call.deadline, trace: call.trace,
      });
      checkOutputSize(result.outputs, this.context.options.maxOutputBytes);
      const outputs = result.outputs.map((tensor, i) => {
        const k = call.outputs[i]?.classification;
        return k === undefined ? tensor : classify(tensor, k, model.labels);
      });
      if (cacheKey !== undefined) cache?.set(cacheKey, outputs);
      const totalNs = Number(process.hrtime.bigint() - started);
      this.statistics.success(version, {
        rows: batchSizeOf(inputs), batchSize: result.batchSize, firstInBatch: result.firstInBatch, totalNs, queueNs: result.queueNs, computeNs: result.computeNs,
      });
      this.observer.observe({
        model: model.name, version: String(version.version), outcome: 'success', totalSeconds: totalNs / 1e9,
        queueSeconds: result.queueNs / 1e9, computeSeconds: result.computeNs / 1e9, executionBatchSize: result.firstInBatch ? result.batchSize : undefined,
        cache: cacheKey === undefined ? undefined : 'miss',
      });
      return { model: model.name, version: version.version, outputs, queueMs: result.queueNs / 1e6, computeMs: result.computeNs / 1e6 };
    } catch (error) {
      const totalNs = Number(process.hrtime.bigint() - started);
      this.statistics.failure(version, totalNs);
      this.observer.observe({ model: model.name, version: String(version.version), outcome: 'error', code: isServingError(error) ? error.code : 'INTERNAL', totalSeconds: totalNs / 1e9 });
      throw error;
    }
  }

  /**
   * Loads the version if needed and runs the request. A version evicted between its load check and the run (the
   * memory budget made room for another) is loaded again once, so the request does not fail for it.
   */
  private async runLoaded(model: ModelRecord, version: VersionRecord, request: RunRequest): Promise<RunResult> {
    for (let attempt = 1; ; attempt++) {
      const key = await ensureLoaded(this.context, model, version);
      try {
        return await this.context.runtime.infer(key, request);
      } catch (error) {
        const evicted = error instanceof ServingError && error.code === 'MODEL_UNAVAILABLE' && !this.context.runtime.isReady(key);
        if (!evicted || attempt >= EVICTION_RETRIES) throw error;
      }
    }
  }

  /** A cached answer: counted as a success and a cache hit; no queue, no compute. */
  private answerFromCache(model: ModelRecord, version: VersionRecord, inputs: readonly Tensor[], outputs: Tensor[], started: bigint): InferOutcome {
    const totalNs = Number(process.hrtime.bigint() - started);
    this.statistics.cached(version, batchSizeOf(inputs), totalNs);
    this.observer.observe({ model: model.name, version: String(version.version), outcome: 'success', totalSeconds: totalNs / 1e9, cache: 'hit' });
    return { model: model.name, version: version.version, outputs, queueMs: 0, computeMs: 0 };
  }

  /** Every loaded version with its measured memory, load time and last use (for metrics and status). */
  loadedVersions(models: readonly ModelRecord[] = this.context.store.listModels()): LoadedVersionInfo[] {
    return models.flatMap((model) => this.context.store.listVersions(model.name).flatMap((version) => {
      const status = this.context.runtime.status(runtimeKey(version));
      return status === undefined ? [] : [{
        model: model.name, version: version.version, state: status.state, residentBytes: status.residentBytes,
        loadSeconds: status.loadSeconds, lastUsedAt: status.lastUsedAt === 0 ? null : new Date(status.lastUsedAt).toISOString(),
      }];
    }));
  }

  metadata(modelName: string, version?: string): ModelMetadata {
    const resolved = this.resolve(modelName, version);
    const ready = this.context.store.listVersions(modelName).filter((v) => v.state === 'READY').map((v) => String(v.version));
    return {
      name: resolved.model.name,
      versions: ready,
      platform: 'onnxruntime_onnx',
      inputs: resolved.version.inputs,
      outputs: resolved.version.outputs,
    };
  }

  /**
   * A version is ready when it validated and its workers are not down. A version that is not loaded counts as
   * ready: it loads on its first request.
   */
  isReady(modelName: string, version?: string): boolean {
    const resolved = this.resolve(modelName, version);
    const loaded = this.context.runtime.status(runtimeKey(resolved.version));
    return resolved.version.state === 'READY' && (loaded === undefined || loaded.state === 'READY' || loaded.state === 'LOADING');
  }

  /** Statistics of every READY version of these models (the ones the caller may see). */
  statsOf(models: readonly ModelRecord[]): ModelStatistics[] {
    return models.flatMap((model) => this.statsOfModel(model.name));
  }

  stats(modelName: string, version?: string): ModelStatistics[] {
    if (version === undefined) return this.statsOfModel(this.models.require(modelName).name);
    const resolved = this.resolve(modelName, version);
    return this.statistics.report([resolved.version]);
  }

  private statsOfModel(name: string): ModelStatistics[] {
    return this.statistics.report(this.context.store.listVersions(name).filter((v) => v.state === 'READY'));
  }
}

/** Loads a version evicted under a request may retry (each retry joins a load already in progress). */
const EVICTION_RETRIES = 3;

function batchSizeOf(inputs: readonly Tensor[]): number {
  const first = inputs[0];
  return first !== undefined && first.shape.length >= 2 ? first.shape[0] : 1;
}

/** A model that amplifies a small input (Expand, Tile, ConstantOfShape…) is stopped at the response cap. */
function checkOutputSize(outputs: readonly Tensor[], maxBytes: number): void {
  const bytes = outputs.reduce((sum, tensor) => sum + (Array.isArray(tensor.data)
    ? tensor.data.reduce((n, item) => n + item.byteLength, 0) : tensor.data.byteLength), 0);
  if (bytes > maxBytes) {
    fail('OUTPUT_TOO_LARGE', `The model answered with ${bytes} bytes of outputs; the limit is ${maxBytes} (TESSERA_MAX_OUTPUT_BYTES).`);
  }
}
