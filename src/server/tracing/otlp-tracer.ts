import { randomBytes } from 'node:crypto';
import type { Logger, Span, SpanAttributes, SpanOptions, TraceContext, Tracer } from '../../core/index.js';
import { encodeOtlpTraces, type FinishedSpan, type OtlpResource } from './otlp-json.js';
import type { W3cTraceContext } from './traceparent.js';

export interface OtlpTracerOptions {
  /** The collector's OTLP/HTTP base URL, e.g. `http://127.0.0.1:4318`; spans go to `<endpoint>/v1/traces`. */
  endpoint: string;
  /** `service.name` of the resource; default `tessera`. */
  serviceName?: string;
  /** `service.version` of the resource and the scope's version; default none. */
  serviceVersion?: string;
  /** How often waiting spans are sent; default 1000 ms. */
  flushIntervalMs?: number;
  /** Most spans per request to the collector; this many waiting also triggers a send. Default 512. */
  maxBatchSize?: number;
  /** Most ended spans kept waiting; beyond it the oldest are dropped (and counted). Default 2048. */
  maxBufferedSpans?: number;
  /** Cap on one export request, answer included; default 2000 ms. */
  exportTimeoutMs?: number;
  /** Where failed exports are reported (`trace-export-failed`, at most once a minute); default nowhere. */
  logger?: Logger;
}

/** Counters of what became of ended spans. */
export interface TracerStats {
  /** Ended and waiting to be sent. */
  pendingSpans: number;
  exportedSpans: number;
  exportedBatches: number;
  /** Batches the collector did not take (error, non-2xx, timeout); their spans are dropped, never retried. */
  failedBatches: number;
  failedSpans: number;
  /** Dropped because the buffer was full (the oldest go first) or the tracer was closed. */
  droppedSpans: number;
}

const MAX_ATTRIBUTES = 64;
const MAX_STRING_LENGTH = 1024;
const MAX_LINKS = 128;
const MAX_NAME_LENGTH = 256;
const FAILURE_LOG_INTERVAL_MS = 60_000;
const TRACE_ID = /^[0-9a-f]{32}$/;
const SPAN_ID = /^[0-9a-f]{16}$/;

/**
 * Checks a collector base URL (http or https, no user name or password, no query) and returns the traces URL:
 * `<endpoint>/v1/traces`, or the endpoint itself when it already ends with `/v1/traces`.
 * @example otlpTracesUrl('http://127.0.0.1:4318') // 'http://127.0.0.1:4318/v1/traces'
 */
export function otlpTracesUrl(endpoint: string): string {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new Error(`otlpEndpoint must be an http(s) URL such as http://127.0.0.1:4318, got ${JSON.stringify(endpoint.slice(0, 200))}.`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`otlpEndpoint must use http or https, got ${url.protocol}.`);
  if (url.username !== '' || url.password !== '') throw new Error('otlpEndpoint must not hold a user name or password; put the collector behind a local agent instead.');
  if (url.search !== '' || url.hash !== '') throw new Error('otlpEndpoint must not hold a query or fragment.');
  const base = url.href.replace(/\/+$/, '');
  return base.endsWith('/v1/traces') ? base : `${base}/v1/traces`;
}

/**
 * A `Tracer` that records sampled spans and sends them to an OpenTelemetry collector over OTLP/HTTP JSON, in batches
 * every `flushIntervalMs` or as soon as `maxBatchSize` are waiting, one request at a time. It never throws into the
 * caller and never blocks it: a failed or timed-out batch is dropped and counted, and a full buffer drops its oldest
 * spans. A span whose parent is unsampled (flags 00) is unsampled too: it has ids, but is neither recorded nor sent.
 * @example
 * const tracer = new OtlpTracer({ endpoint: 'http://127.0.0.1:4318' });
 * const span = tracer.startSpan('GET /v2', { kind: 'server' });
 * span.end();
 * await tracer.close();
 */
export class OtlpTracer implements Tracer {
  readonly enabled = true;
  readonly tracesUrl: string;
  private readonly resource: OtlpResource;
  private readonly maxBatchSize: number;
  private readonly maxBufferedSpans: number;
  private readonly exportTimeoutMs: number;
  private readonly logger: Logger | undefined;
  private readonly epochOffsetNs: bigint;
  private readonly timer: NodeJS.Timeout;
  private pending: FinishedSpan[] = [];
  private exporting: Promise<void> | undefined;
  private exportScheduled = false;
  private closing: Promise<void> | undefined;
  private lastFailureLog = 0;
  private readonly counters = { exportedSpans: 0, exportedBatches: 0, failedBatches: 0, failedSpans: 0, droppedSpans: 0 };

  constructor(options: OtlpTracerOptions) {
    this.tracesUrl = otlpTracesUrl(options.endpoint);
    this.resource = { serviceName: options.serviceName ?? 'tessera', serviceVersion: options.serviceVersion };
    this.maxBatchSize = positive(options.maxBatchSize, 512, 'maxBatchSize');
    this.maxBufferedSpans = positive(options.maxBufferedSpans, 2048, 'maxBufferedSpans');
    this.exportTimeoutMs = positive(options.exportTimeoutMs, 2000, 'exportTimeoutMs');
    this.logger = options.logger;
    this.epochOffsetNs = BigInt(Date.now()) * 1_000_000n - process.hrtime.bigint();
    this.timer = setInterval(() => void this.flush(), positive(options.flushIntervalMs, 1000, 'flushIntervalMs'));
    this.timer.unref();
  }

  startSpan(name: string, options: SpanOptions = {}): Span {
    const parent = validContext(options.parent);
    const sampled = parent?.sampled ?? true;
    const traceState = (parent as W3cTraceContext | undefined)?.traceState;
    const context: W3cTraceContext = { traceId: parent?.traceId ?? newId(16), spanId: newId(8), sampled };
    if (traceState !== undefined) context.traceState = traceState;
    Object.freeze(context);
    if (!sampled) return unsampledSpan(context);
    const links = (options.links ?? []).filter((link) => validContext(link) !== undefined);
    const record: FinishedSpan = {
      context, parentSpanId: parent?.spanId, traceState,
      name: bounded(String(name), MAX_NAME_LENGTH), kind: options.kind ?? 'internal',
      startTimeUnixNano: this.now(), endTimeUnixNano: 0n,
      attributes: {}, droppedAttributesCount: 0,
      links: links.slice(0, MAX_LINKS).map((link) => ({ traceId: link.traceId, spanId: link.spanId, sampled: link.sampled })),
      droppedLinksCount: Math.max(0, links.length - MAX_LINKS),
      error: undefined,
    };
    if (options.attributes !== undefined) addAttributes(record, options.attributes);
    return new RecordingSpan(record, () => this.now(), (span) => this.enqueue(span));
  }

  /** Sends what is waiting now (one batch, then more while full batches wait); resolves when done, never rejects. */
  flush(): Promise<void> {
    if (this.closing !== undefined) return this.closing;
    if (this.exporting !== undefined) return this.exporting;
    if (this.pending.length === 0) return Promise.resolve();
    this.exporting = this.exportWaiting().finally(() => { this.exporting = undefined; });
    return this.exporting;
  }

  /** Stops the timer and sends every waiting span once (stopping at the first failed batch). Idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      clearInterval(this.timer);
      await this.exporting;
      while (this.pending.length > 0) {
        if (!await this.exportBatch()) break;
      }
      this.counters.droppedSpans += this.pending.length;
      this.pending = [];
    })();
    return this.closing;
  }

  stats(): TracerStats {
    return { pendingSpans: this.pending.length, ...this.counters };
  }

  private now(): bigint {
    return this.epochOffsetNs + process.hrtime.bigint();
  }

  private enqueue(span: FinishedSpan): void {
    if (this.closing !== undefined) {
      this.counters.droppedSpans++;
      return;
    }
    if (this.pending.length >= this.maxBufferedSpans) {
      this.pending.shift();
      this.counters.droppedSpans++;
    }
    this.pending.push(span);
    if (this.pending.length >= this.maxBatchSize && this.exporting === undefined && !this.exportScheduled) {
      // Encoding happens off the caller's stack.
      this.exportScheduled = true;
      setImmediate(() => {
        this.exportScheduled = false;
        void this.flush();
      });
    }
  }

  private async exportWaiting(): Promise<void> {
    do {
      if (!await this.exportBatch()) return;
    } while (this.pending.length >= this.maxBatchSize && this.closing === undefined);
  }

  /** One POST of up to `maxBatchSize` spans; true when the collector took them. The batch is gone either way. */
  private async exportBatch(): Promise<boolean> {
    const batch = this.pending.splice(0, this.maxBatchSize);
    if (batch.length === 0) return true;
    try {
      const response = await fetch(this.tracesUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(encodeOtlpTraces(batch, this.resource)),
        signal: AbortSignal.timeout(this.exportTimeoutMs),
        redirect: 'error',
      });
      await response.arrayBuffer();
      if (!response.ok) throw new Error(`the collector answered HTTP ${response.status}`);
      this.counters.exportedBatches++;
      this.counters.exportedSpans += batch.length;
      return true;
    } catch (error) {
      this.counters.failedBatches++;
      this.counters.failedSpans += batch.length;
      this.reportFailure(error);
      return false;
    }
  }

  private reportFailure(error: unknown): void {
    const now = Date.now();
    if (this.logger === undefined || now - this.lastFailureLog < FAILURE_LOG_INTERVAL_MS) return;
    this.lastFailureLog = now;
    const reason = error instanceof Error ? (error.name === 'TimeoutError' ? `timed out after ${this.exportTimeoutMs} ms` : error.message) : String(error);
    this.logger.warn({ url: this.tracesUrl, reason, ...this.counters }, 'trace-export-failed');
  }
}

class RecordingSpan implements Span {
  readonly context: TraceContext;
  private ended = false;

  constructor(private readonly record: FinishedSpan, private readonly now: () => bigint, private readonly finish: (span: FinishedSpan) => void) {
    this.context = record.context;
  }

  setAttributes(attributes: SpanAttributes): void {
    if (!this.ended) addAttributes(this.record, attributes);
  }

  fail(reason: string): void {
    if (!this.ended) this.record.error = bounded(String(reason), MAX_STRING_LENGTH);
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.record.endTimeUnixNano = this.now();
    this.finish(this.record);
  }
}

function unsampledSpan(context: TraceContext): Span {
  return Object.freeze({ context, setAttributes: () => undefined, fail: () => undefined, end: () => undefined });
}

/** Adds attributes within the bounds: at most 64 keys, strings cut at 1024 characters, other values dropped. */
function addAttributes(record: FinishedSpan, attributes: SpanAttributes): void {
  for (const [key, value] of Object.entries(attributes)) {
    const known = Object.hasOwn(record.attributes, key);
    const typed = typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
    if (!typed || key.length === 0 || key.length > MAX_NAME_LENGTH || (!known && Object.keys(record.attributes).length >= MAX_ATTRIBUTES)) {
      record.droppedAttributesCount++;
      continue;
    }
    record.attributes[key] = typeof value === 'string' ? bounded(value, MAX_STRING_LENGTH) : value;
  }
}

function validContext(context: TraceContext | undefined): TraceContext | undefined {
  if (context === undefined || !TRACE_ID.test(context.traceId) || !SPAN_ID.test(context.spanId)) return undefined;
  if (/^0+$/.test(context.traceId) || /^0+$/.test(context.spanId)) return undefined;
  return context;
}

/** A random lowercase hex id of `bytes` bytes, never all zeros. */
function newId(bytes: number): string {
  for (;;) {
    const id = randomBytes(bytes).toString('hex');
    if (!/^0+$/.test(id)) return id;
  }
}

function bounded(text: string, max: number): string {
  return text.length <= max ? text : text.slice(0, max);
}

function positive(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1) throw new Error(`OtlpTracer ${name} must be a positive integer, got ${value}.`);
  return value;
}
