import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { InferenceEvent, InferenceObserver, LoadedVersionInfo } from '../app/index.js';

const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/** Prometheus metrics of one server (its own registry, no global state). */
export class ServerMetrics implements InferenceObserver {
  readonly registry = new Registry();
  private readonly requests: Counter<'model' | 'version' | 'outcome' | 'code'>;
  private readonly requestSeconds: Histogram<'model' | 'version' | 'outcome'>;
  private readonly queueSeconds: Histogram<'model' | 'version'>;
  private readonly computeSeconds: Histogram<'model' | 'version'>;
  private readonly batchSize: Histogram<'model' | 'version'>;
  private readonly cache: Counter<'model' | 'version' | 'result'>;
  readonly httpRequests: Counter<'method' | 'route' | 'status'>;
  readonly evictions: Counter;

  constructor(loadedVersions: () => number, cpuInUse: () => number = () => 0, loaded: () => LoadedVersionInfo[] = () => []) {
    collectDefaultMetrics({ register: this.registry, prefix: 'tessera_process_' });
    const registers = [this.registry];
    this.requests = new Counter({ name: 'tessera_inference_requests_total', help: 'Inference requests by model, version, outcome and error code.', labelNames: ['model', 'version', 'outcome', 'code'], registers });
    this.requestSeconds = new Histogram({ name: 'tessera_inference_request_seconds', help: 'Inference request time inside the server.', labelNames: ['model', 'version', 'outcome'], buckets: LATENCY_BUCKETS, registers });
    this.queueSeconds = new Histogram({ name: 'tessera_inference_queue_seconds', help: 'Time a request waited for a worker.', labelNames: ['model', 'version'], buckets: LATENCY_BUCKETS, registers });
    this.computeSeconds = new Histogram({ name: 'tessera_inference_compute_seconds', help: 'Time onnxruntime spent running the model.', labelNames: ['model', 'version'], buckets: LATENCY_BUCKETS, registers });
    this.batchSize = new Histogram({ name: 'tessera_inference_batch_size', help: 'Rows per model execution (dynamic batching merges requests).', labelNames: ['model', 'version'], buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256], registers });
    this.cache = new Counter({ name: 'tessera_response_cache_total', help: 'Response cache lookups by result (hit or miss).', labelNames: ['model', 'version', 'result'], registers });
    this.httpRequests = new Counter({ name: 'tessera_http_requests_total', help: 'HTTP requests by route and status.', labelNames: ['method', 'route', 'status'], registers });
    this.evictions = new Counter({ name: 'tessera_model_evictions_total', help: 'Versions unloaded to fit the memory budget.', registers });
    new Gauge({ name: 'tessera_model_resident_bytes', help: 'Measured resident memory of each loaded version\'s workers.', labelNames: ['model', 'version'], registers,
      collect() { this.reset(); for (const v of loaded()) this.set({ model: v.model, version: String(v.version) }, v.residentBytes); } });
    new Gauge({ name: 'tessera_model_load_seconds', help: 'How long each loaded version took to load and warm up.', labelNames: ['model', 'version'], registers,
      collect() { this.reset(); for (const v of loaded()) this.set({ model: v.model, version: String(v.version) }, v.loadSeconds); } });
    new Gauge({ name: 'tessera_cpu_threads_busy', help: 'Intra-op threads of the model workers computing now (bounded by the cores).', registers, collect() { this.set(cpuInUse()); } });
    new Gauge({ name: 'tessera_loaded_versions', help: 'Model versions loaded in worker processes.', registers, collect() { this.set(loadedVersions()); } });
  }

  observe(event: InferenceEvent): void {
    const labels = { model: event.model, version: event.version };
    this.requests.inc({ ...labels, outcome: event.outcome, code: event.code ?? '' });
    this.requestSeconds.observe({ ...labels, outcome: event.outcome }, event.totalSeconds);
    if (event.queueSeconds !== undefined) this.queueSeconds.observe(labels, event.queueSeconds);
    if (event.computeSeconds !== undefined) this.computeSeconds.observe(labels, event.computeSeconds);
    if (event.executionBatchSize !== undefined) this.batchSize.observe(labels, event.executionBatchSize);
    if (event.cache !== undefined) this.cache.inc({ ...labels, result: event.cache });
  }
}
