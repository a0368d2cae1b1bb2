import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Span, TraceContext, Tracer } from '../core/index.js';
import { formatTraceparent, parseTraceparent, parseTracestate, type W3cTraceContext } from './tracing/index.js';

declare module 'fastify' {
  interface FastifyRequest {
    /**
     * The context of this request's SERVER span: the parent to give spans made on the request's behalf (the runtime's
     * queue span). Undefined when tracing is off.
     */
    traceContext: TraceContext | undefined;
  }
}

/**
 * One SERVER span per request, named `<METHOD> <route>`, child of the incoming W3C `traceparent` (a missing or
 * invalid one starts a new trace). Its context is `request.traceContext`; the answer carries its `traceparent` (and
 * the incoming `tracestate`, unchanged). The span ends when the answer is sent, with the status code, failed for a
 * 5xx. Attributes hold the method, route template and request id only: never bodies, keys or query strings.
 * With tracing off (`tracer.enabled` false) no hook is added.
 * @example installTracing(server, new OtlpTracer({ endpoint: 'http://127.0.0.1:4318' }));
 */
export function installTracing(server: FastifyInstance, tracer: Tracer): void {
  server.decorateRequest('traceContext', undefined);
  if (!tracer.enabled) return;
  const spans = new WeakMap<FastifyRequest, Span>();
  server.addHook('onRequest', async (request, reply) => {
    const route = request.routeOptions.url;
    const traceState = parseTracestate(request.headers.tracestate);
    const incoming = parseTraceparent(request.headers.traceparent);
    const parent: W3cTraceContext | undefined = incoming === undefined || traceState === undefined ? incoming : { ...incoming, traceState };
    const span = tracer.startSpan(route === undefined ? request.method : `${request.method} ${route}`, {
      kind: 'server',
      ...(parent === undefined ? {} : { parent }),
      attributes: {
        'http.request.method': request.method,
        ...(route === undefined ? {} : { 'http.route': route }),
        'tessera.request_id': request.id,
      },
    });
    spans.set(request, span);
    request.traceContext = span.context;
    void reply.header('traceparent', formatTraceparent(span.context));
    if (incoming !== undefined && traceState !== undefined) void reply.header('tracestate', traceState);
  });
  /** Ends the request's span once: with the answer's status, or failed when the client went away first. */
  const finish = (request: FastifyRequest, statusCode: number | undefined): void => {
    const span = spans.get(request);
    if (span === undefined) return;
    spans.delete(request);
    if (statusCode === undefined) {
      span.fail('client-aborted');
    } else {
      span.setAttributes({ 'http.response.status_code': statusCode });
      if (statusCode >= 500) span.fail(`HTTP ${statusCode}`);
    }
    span.end();
  };
  server.addHook('onResponse', async (request, reply) => finish(request, reply.statusCode));
  server.addHook('onRequestAbort', async (request) => finish(request, undefined));
}
