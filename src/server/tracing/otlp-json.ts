import type { SpanAttributes, TraceContext } from '../../core/index.js';

/**
 * The OTLP/HTTP JSON encoding of finished spans (opentelemetry-proto `ExportTraceServiceRequest`, JSON mapping): ids
 * as lowercase hex, 64-bit integers and nanosecond times as decimal strings, enums as numbers. Pure.
 */

/** OTLP `Span.SpanKind`. */
export const SPAN_KIND = { internal: 1, server: 2 } as const;
/** OTLP `Status.StatusCode.STATUS_CODE_ERROR`. */
export const STATUS_CODE_ERROR = 2;

/** One ended, sampled span as the tracer recorded it. */
export interface FinishedSpan {
  context: TraceContext;
  parentSpanId: string | undefined;
  traceState: string | undefined;
  name: string;
  kind: keyof typeof SPAN_KIND;
  startTimeUnixNano: bigint;
  endTimeUnixNano: bigint;
  attributes: SpanAttributes;
  droppedAttributesCount: number;
  links: readonly TraceContext[];
  droppedLinksCount: number;
  /** Set by `fail`: the short reason. */
  error: string | undefined;
}

/** What describes the exporting process: `service.name` and the instrumentation scope. */
export interface OtlpResource {
  serviceName: string;
  serviceVersion: string | undefined;
}

export type OtlpAnyValue = { stringValue: string } | { intValue: string } | { doubleValue: number | string } | { boolValue: boolean };
export interface OtlpKeyValue { key: string; value: OtlpAnyValue }

/** An attribute value in OTLP JSON: safe integers as `intValue` (a string), other numbers as `doubleValue`. */
export function otlpValue(value: string | number | boolean): OtlpAnyValue {
  if (typeof value === 'string') return { stringValue: value };
  if (typeof value === 'boolean') return { boolValue: value };
  if (Number.isSafeInteger(value)) return { intValue: String(value) };
  // proto3 JSON writes the non-finite doubles as strings.
  return { doubleValue: Number.isFinite(value) ? value : String(value) };
}

export function otlpAttributes(attributes: SpanAttributes): OtlpKeyValue[] {
  return Object.entries(attributes).map(([key, value]) => ({ key, value: otlpValue(value) }));
}

/**
 * The body of `POST /v1/traces` for a batch of finished spans: one resource, one scope `tessera`.
 * @example JSON.stringify(encodeOtlpTraces(spans, { serviceName: 'tessera', serviceVersion: '0.1.0' }))
 */
export function encodeOtlpTraces(spans: readonly FinishedSpan[], resource: OtlpResource): object {
  const resourceAttributes: OtlpKeyValue[] = [{ key: 'service.name', value: { stringValue: resource.serviceName } }];
  if (resource.serviceVersion !== undefined) resourceAttributes.push({ key: 'service.version', value: { stringValue: resource.serviceVersion } });
  return {
    resourceSpans: [{
      resource: { attributes: resourceAttributes },
      scopeSpans: [{
        scope: { name: 'tessera', ...(resource.serviceVersion === undefined ? {} : { version: resource.serviceVersion }) },
        spans: spans.map(encodeSpan),
      }],
    }],
  };
}

function encodeSpan(span: FinishedSpan): object {
  return {
    traceId: span.context.traceId,
    spanId: span.context.spanId,
    ...(span.traceState === undefined ? {} : { traceState: span.traceState }),
    ...(span.parentSpanId === undefined ? {} : { parentSpanId: span.parentSpanId }),
    name: span.name,
    kind: SPAN_KIND[span.kind],
    startTimeUnixNano: span.startTimeUnixNano.toString(),
    endTimeUnixNano: span.endTimeUnixNano.toString(),
    attributes: otlpAttributes(span.attributes),
    ...(span.droppedAttributesCount > 0 ? { droppedAttributesCount: span.droppedAttributesCount } : {}),
    links: span.links.map((link) => ({ traceId: link.traceId, spanId: link.spanId })),
    ...(span.droppedLinksCount > 0 ? { droppedLinksCount: span.droppedLinksCount } : {}),
    status: span.error === undefined ? {} : { code: STATUS_CODE_ERROR, message: span.error },
  };
}
