/**
 * The tracing vocabulary every layer may use (W3C Trace Context ids, spans with attributes and links). The
 * implementation that records and exports spans lives in server/tracing; domain modules only see this interface, and
 * `NO_TRACING` when tracing is off.
 */

/** A span's identity: 32 hex trace id, 16 hex span id, and whether it is sampled (recorded). */
export interface TraceContext {
  traceId: string;
  spanId: string;
  sampled: boolean;
}

export type SpanAttributes = Record<string, string | number | boolean>;

export interface Span {
  readonly context: TraceContext;
  setAttributes(attributes: SpanAttributes): void;
  /** Marks the span failed with a short reason (an error code, never user data). */
  fail(reason: string): void;
  end(): void;
}

export interface SpanOptions {
  /** The parent; absent: a new trace. */
  parent?: TraceContext;
  /** Other spans this one is causally linked to (a batch links the requests it ran). */
  links?: TraceContext[];
  attributes?: SpanAttributes;
  kind?: 'server' | 'internal';
}

export interface Tracer {
  readonly enabled: boolean;
  startSpan(name: string, options?: SpanOptions): Span;
}

const NO_CONTEXT: TraceContext = Object.freeze({ traceId: '0'.repeat(32), spanId: '0'.repeat(16), sampled: false });

const NO_SPAN: Span = Object.freeze({
  context: NO_CONTEXT,
  setAttributes: () => undefined,
  fail: () => undefined,
  end: () => undefined,
});

/** Tracing off: spans cost one call and record nothing. */
export const NO_TRACING: Tracer = Object.freeze({ enabled: false, startSpan: () => NO_SPAN });
