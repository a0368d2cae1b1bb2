/** Tracing: W3C Trace Context headers and the OTLP/HTTP JSON exporter behind core's `Tracer` interface. */
export { formatTraceparent, parseTraceparent, parseTracestate, MAX_TRACESTATE_LENGTH, type W3cTraceContext } from './traceparent.js';
export { OtlpTracer, otlpTracesUrl, type OtlpTracerOptions, type TracerStats } from './otlp-tracer.js';
export { encodeOtlpTraces, otlpValue, SPAN_KIND, STATUS_CODE_ERROR, type FinishedSpan, type OtlpResource } from './otlp-json.js';
