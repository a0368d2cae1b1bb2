/**
 * Tracing: W3C traceparent/tracestate parsing, the OTLP/HTTP JSON exporter against a real collector on a free port
 * (encoding, batching, sampling, a collector that is down, slow or failing, the buffer bound), and request spans of a
 * real server propagating the caller's trace.
 */
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { after, before, describe, it } from 'node:test';
import type { TraceContext } from '../src/core/index.js';
import {
  formatTraceparent, otlpTracesUrl, OtlpTracer, parseTraceparent, parseTracestate,
} from '../src/server/tracing/index.js';
import { buildIdentityModel, freePort, startTestServer, type TestServer } from '../src/testing/index.js';

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const SPAN = '00f067aa0ba902b7';

interface Received { path: string; contentType: string | undefined; body: any }
type Behaviour = 'ok' | 'hang' | 'fail';

/** A stand-in OTLP/HTTP collector: records every POST body; can also hang or answer 500. */
class Collector {
  readonly received: Received[] = [];
  behaviour: Behaviour = 'ok';
  private readonly server: Server;
  private readonly hanging: ServerResponse[] = [];
  url = '';

  constructor() {
    this.server = createServer((request, response) => void this.handle(request, response));
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    const address = this.server.address();
    this.url = `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`;
    return this;
  }

  spans(): any[] {
    return this.received.flatMap((r) => r.body.resourceSpans.flatMap((rs: any) => rs.scopeSpans.flatMap((ss: any) => ss.spans)));
  }

  async waitFor(predicate: (spans: any[]) => boolean, timeoutMs = 8000): Promise<any[]> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (predicate(this.spans())) return this.spans();
      await delay(25);
    }
    throw new Error(`collector did not receive the expected spans; got ${JSON.stringify(this.spans().map((s) => s.name))}`);
  }

  async close(): Promise<void> {
    for (const response of this.hanging) response.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    if (this.behaviour === 'hang') {
      this.hanging.push(response);
      return;
    }
    if (this.behaviour === 'fail') {
      response.writeHead(500).end();
      return;
    }
    this.received.push({ path: request.url ?? '', contentType: request.headers['content-type'], body: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
    response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function attributesOf(span: any): Record<string, any> {
  return Object.fromEntries(span.attributes.map((kv: any) => [kv.key, kv.value]));
}

describe('W3C traceparent and tracestate', () => {
  it('parses valid headers and formats them back', () => {
    assert.deepEqual(parseTraceparent(`00-${TRACE}-${SPAN}-01`), { traceId: TRACE, spanId: SPAN, sampled: true });
    assert.deepEqual(parseTraceparent(`00-${TRACE}-${SPAN}-00`), { traceId: TRACE, spanId: SPAN, sampled: false });
    assert.equal(parseTraceparent(`00-${TRACE}-${SPAN}-03`)?.sampled, true, 'other flag bits are ignored');
    assert.equal(parseTraceparent(` 00-${TRACE}-${SPAN}-01 `)?.traceId, TRACE, 'surrounding whitespace is trimmed');
    assert.deepEqual(parseTraceparent(`01-${TRACE}-${SPAN}-01-future-field`), { traceId: TRACE, spanId: SPAN, sampled: true }, 'a later version is read by its first four fields');
    assert.deepEqual(parseTraceparent(`cc-${TRACE}-${SPAN}-00`), { traceId: TRACE, spanId: SPAN, sampled: false });
    assert.equal(formatTraceparent({ traceId: TRACE, spanId: SPAN, sampled: true }), `00-${TRACE}-${SPAN}-01`);
    assert.equal(formatTraceparent({ traceId: TRACE, spanId: SPAN, sampled: false }), `00-${TRACE}-${SPAN}-00`);
    const context = parseTraceparent(`00-${TRACE}-${SPAN}-01`);
    assert.ok(context !== undefined);
    assert.equal(formatTraceparent(context), `00-${TRACE}-${SPAN}-01`);
  });

  it('refuses invalid headers, so a new trace starts', () => {
    const invalid: Array<string | string[] | undefined> = [
      undefined, '', [`00-${TRACE}-${SPAN}-01`, `00-${TRACE}-${SPAN}-01`],
      `00-${TRACE.toUpperCase()}-${SPAN}-01`, `00-${TRACE}-${SPAN.toUpperCase()}-01`, `00-${TRACE}-${SPAN}-0A`, `0A-${TRACE}-${SPAN}-01`,
      `00-${'0'.repeat(32)}-${SPAN}-01`, `00-${TRACE}-${'0'.repeat(16)}-01`,
      `ff-${TRACE}-${SPAN}-01`, `00-${TRACE.slice(1)}-${SPAN}-01`, `00-${TRACE}0-${SPAN}-01`, `00-${TRACE}-${SPAN.slice(1)}-01`,
      `00-${TRACE}-${SPAN}0-01`, `00-${TRACE}-${SPAN}-1`, `00-${TRACE}-${SPAN}-011`, `00-${TRACE}-${SPAN}-01-extra`,
      `0-${TRACE}-${SPAN}-01`, `00-${TRACE}-${SPAN}`, `00_${TRACE}_${SPAN}_01`, `00-${TRACE.slice(0, 31)}g-${SPAN}-01`,
      `01-${TRACE}-${SPAN}-01x`, `00-${TRACE}-${SPAN}-01, 00-${TRACE}-${SPAN}-01`, 'x'.repeat(600),
    ];
    for (const header of invalid) assert.equal(parseTraceparent(header), undefined, JSON.stringify(header));
  });

  it('passes tracestate through unchanged within bounds', () => {
    assert.equal(parseTracestate('congo=t61rcWkgMzE,rojo=00f067aa0ba902b7'), 'congo=t61rcWkgMzE,rojo=00f067aa0ba902b7');
    assert.equal(parseTracestate(undefined), undefined);
    assert.equal(parseTracestate('  '), undefined);
    assert.equal(parseTracestate(`a=${'x'.repeat(600)}`), undefined, 'longer than 512 characters');
    assert.equal(parseTracestate(Array.from({ length: 33 }, (_, i) => `k${i}=v`).join(',')), undefined, 'more than 32 members');
    assert.equal(parseTracestate('a=b\u0000'), undefined);
    assert.equal(parseTracestate('a=é'), undefined);
  });

  it('checks the collector endpoint', () => {
    assert.equal(otlpTracesUrl('http://127.0.0.1:4318'), 'http://127.0.0.1:4318/v1/traces');
    assert.equal(otlpTracesUrl('https://collector.example/otel/'), 'https://collector.example/otel/v1/traces');
    assert.equal(otlpTracesUrl('http://127.0.0.1:4318/v1/traces'), 'http://127.0.0.1:4318/v1/traces');
    for (const bad of ['not a url', 'ftp://127.0.0.1:4318', 'http://user:secret@127.0.0.1:4318', 'http://127.0.0.1:4318/?token=x', 'file:///tmp/x']) {
      assert.throws(() => otlpTracesUrl(bad), /otlpEndpoint/, bad);
      assert.throws(() => new OtlpTracer({ endpoint: bad }), /otlpEndpoint/, bad);
    }
  });
});

describe('OtlpTracer', () => {
  let collector: Collector;
  before(async () => { collector = await new Collector().start(); });
  after(() => collector.close());

  it('exports spans as OTLP/HTTP JSON with parents, links, typed attributes, kind and status', async () => {
    collector.received.length = 0;
    const tracer = new OtlpTracer({ endpoint: collector.url, serviceVersion: '9.9.9', flushIntervalMs: 60_000 });
    const before = BigInt(Date.now()) * 1_000_000n;
    const root = tracer.startSpan('POST /v2/models/:name/infer', { kind: 'server', attributes: { 'http.request.method': 'POST' } });
    root.setAttributes({ text: 'a', count: 3, ratio: 1.5, flag: false, big: 2 ** 60 });
    const child = tracer.startSpan('queue', { parent: root.context });
    const batch = tracer.startSpan('batch', { links: [child.context], attributes: { 'batch.size': 1 } });
    child.fail('QUEUE_FULL');
    child.end();
    batch.end();
    root.end();
    root.end();
    root.setAttributes({ late: 'ignored' });
    assert.equal(tracer.stats().pendingSpans, 3, 'a second end() records nothing');
    await tracer.close();
    const after = BigInt(Date.now()) * 1_000_000n;

    assert.equal(collector.received.length, 1, 'one batch');
    const [request] = collector.received;
    assert.equal(request.path, '/v1/traces');
    assert.equal(request.contentType, 'application/json');
    const [resourceSpans] = request.body.resourceSpans;
    assert.deepEqual(resourceSpans.resource.attributes, [
      { key: 'service.name', value: { stringValue: 'tessera' } }, { key: 'service.version', value: { stringValue: '9.9.9' } },
    ]);
    assert.equal(resourceSpans.scopeSpans[0].scope.name, 'tessera');
    const spans = resourceSpans.scopeSpans[0].spans;
    const byName = Object.fromEntries(spans.map((s: any) => [s.name, s]));
    const [r, q, b] = [byName['POST /v2/models/:name/infer'], byName.queue, byName.batch];
    for (const span of [r, q, b]) {
      assert.match(span.traceId, /^[0-9a-f]{32}$/);
      assert.match(span.spanId, /^[0-9a-f]{16}$/);
      assert.match(span.startTimeUnixNano, /^[0-9]+$/);
      assert.match(span.endTimeUnixNano, /^[0-9]+$/);
      const [start, end] = [BigInt(span.startTimeUnixNano), BigInt(span.endTimeUnixNano)];
      assert.ok(start <= end, 'ends after it starts');
      assert.ok(start >= before - 5_000_000n && end <= after + 5_000_000n, 'nanoseconds since the epoch');
    }
    assert.equal(r.kind, 2, 'SPAN_KIND_SERVER');
    assert.equal(q.kind, 1, 'SPAN_KIND_INTERNAL');
    assert.equal(r.parentSpanId, undefined, 'a root has no parent');
    assert.equal(q.traceId, r.traceId);
    assert.equal(q.parentSpanId, r.spanId);
    assert.notEqual(b.traceId, r.traceId, 'a span without a parent starts its own trace');
    assert.deepEqual(b.links, [{ traceId: q.traceId, spanId: q.spanId }]);
    assert.deepEqual(attributesOf(r), {
      'http.request.method': { stringValue: 'POST' }, text: { stringValue: 'a' }, count: { intValue: '3' },
      ratio: { doubleValue: 1.5 }, flag: { boolValue: false }, big: { doubleValue: 2 ** 60 },
    });
    assert.deepEqual(attributesOf(b), { 'batch.size': { intValue: '1' } });
    assert.deepEqual(q.status, { code: 2, message: 'QUEUE_FULL' });
    assert.deepEqual(r.status, {});
    assert.deepEqual(tracer.stats(), { pendingSpans: 0, exportedSpans: 3, exportedBatches: 1, failedBatches: 0, failedSpans: 0, droppedSpans: 0 });
  });

  it('sends full batches at once and the rest on the interval', async () => {
    collector.received.length = 0;
    const tracer = new OtlpTracer({ endpoint: collector.url, maxBatchSize: 10, flushIntervalMs: 300 });
    for (let i = 0; i < 25; i++) tracer.startSpan(`span-${i}`).end();
    await collector.waitFor((spans) => spans.length >= 20, 250);
    assert.deepEqual(collector.received.map((r) => r.body.resourceSpans[0].scopeSpans[0].spans.length), [10, 10], 'two full batches before the interval');
    await collector.waitFor((spans) => spans.length === 25, 2000);
    assert.equal(collector.received.length, 3);
    assert.deepEqual(collector.spans().map((s) => s.name), Array.from({ length: 25 }, (_, i) => `span-${i}`));
    await tracer.close();
    assert.equal(tracer.stats().exportedSpans, 25);
  });

  it('keeps unsampled traces unsampled and does not export them', async () => {
    collector.received.length = 0;
    const tracer = new OtlpTracer({ endpoint: collector.url, flushIntervalMs: 60_000 });
    const parent: TraceContext = { traceId: TRACE, spanId: SPAN, sampled: false };
    const child = tracer.startSpan('GET /v2', { kind: 'server', parent });
    assert.equal(child.context.traceId, TRACE);
    assert.equal(child.context.sampled, false);
    assert.match(child.context.spanId, /^[0-9a-f]{16}$/);
    assert.notEqual(child.context.spanId, SPAN);
    const grandchild = tracer.startSpan('queue', { parent: child.context });
    assert.equal(grandchild.context.sampled, false);
    grandchild.setAttributes({ a: 1 });
    grandchild.fail('x');
    grandchild.end();
    child.end();
    const sampled = tracer.startSpan('sampled child', { parent: { ...parent, sampled: true } });
    assert.equal(sampled.context.sampled, true);
    assert.equal(sampled.context.traceId, TRACE);
    sampled.end();
    await tracer.close();
    assert.deepEqual(collector.spans().map((s) => [s.name, s.traceId, s.parentSpanId]), [['sampled child', TRACE, SPAN]]);
  });

  it('does not throw or block when the collector is down, and drops the batch', async () => {
    const tracer = new OtlpTracer({ endpoint: `http://127.0.0.1:${await freePort()}`, flushIntervalMs: 60_000 });
    for (let i = 0; i < 5; i++) tracer.startSpan('lost').end();
    await tracer.flush();
    assert.deepEqual(tracer.stats(), { pendingSpans: 0, exportedSpans: 0, exportedBatches: 0, failedBatches: 1, failedSpans: 5, droppedSpans: 0 });
    await tracer.flush();
    assert.equal(tracer.stats().failedBatches, 1, 'a failed batch is not retried');
    await tracer.close();
  });

  it('times out a slow collector without blocking span calls', async () => {
    const slow = await new Collector().start();
    slow.behaviour = 'hang';
    try {
      const tracer = new OtlpTracer({ endpoint: slow.url, flushIntervalMs: 60_000, exportTimeoutMs: 300 });
      tracer.startSpan('first').end();
      const started = Date.now();
      const exporting = tracer.flush();
      for (let i = 0; i < 100; i++) tracer.startSpan('during').end();
      assert.ok(Date.now() - started < 200, 'span calls do not wait for the export');
      await exporting;
      const took = Date.now() - started;
      assert.ok(took >= 250 && took < 2000, `the export gave up after its timeout (${took} ms)`);
      assert.equal(tracer.stats().failedBatches, 1);
      assert.equal(tracer.stats().pendingSpans, 100);
      const closing = Date.now();
      await tracer.close();
      assert.ok(Date.now() - closing < 2000, 'close() flushes once and gives up');
      assert.deepEqual(tracer.stats(), { pendingSpans: 0, exportedSpans: 0, exportedBatches: 0, failedBatches: 2, failedSpans: 101, droppedSpans: 0 });
    } finally {
      await slow.close();
    }
  });

  it('counts batches the collector refuses', async () => {
    collector.behaviour = 'fail';
    try {
      const tracer = new OtlpTracer({ endpoint: collector.url, flushIntervalMs: 60_000 });
      tracer.startSpan('refused').end();
      await tracer.close();
      assert.equal(tracer.stats().failedBatches, 1);
      assert.equal(tracer.stats().failedSpans, 1);
    } finally {
      collector.behaviour = 'ok';
    }
  });

  it('bounds the buffer, dropping the oldest spans and counting them', async () => {
    collector.received.length = 0;
    const tracer = new OtlpTracer({ endpoint: collector.url, maxBufferedSpans: 100, maxBatchSize: 1000, flushIntervalMs: 60_000 });
    for (let i = 0; i < 150; i++) tracer.startSpan(`span-${i}`).end();
    assert.deepEqual(tracer.stats(), { pendingSpans: 100, exportedSpans: 0, exportedBatches: 0, failedBatches: 0, failedSpans: 0, droppedSpans: 50 });
    await tracer.close();
    assert.deepEqual(collector.spans().map((s) => s.name), Array.from({ length: 100 }, (_, i) => `span-${i + 50}`));
    tracer.startSpan('after close').end();
    assert.equal(tracer.stats().droppedSpans, 51, 'spans ended after close are dropped');
  });

  it('bounds attributes and never exports values of other types', async () => {
    collector.received.length = 0;
    const tracer = new OtlpTracer({ endpoint: collector.url, flushIntervalMs: 60_000 });
    const span = tracer.startSpan('bounded', { attributes: Object.fromEntries(Array.from({ length: 60 }, (_, i) => [`k${i}`, i])) });
    span.setAttributes({ long: 'x'.repeat(5000), bad: { nested: true } as unknown as string });
    span.setAttributes(Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`more${i}`, true])));
    span.setAttributes({ k0: 'replaced' });
    span.end();
    await tracer.close();
    const [exported] = collector.spans();
    const attributes = attributesOf(exported);
    assert.equal(exported.attributes.length, 64);
    assert.equal(exported.droppedAttributesCount, 8, 'one of another type, seven past the cap');
    assert.equal(attributes.long.stringValue.length, 1024);
    assert.deepEqual(attributes.k0, { stringValue: 'replaced' }, 'a known key may change at the cap');
    assert.equal(attributes.bad, undefined);
  });
});

describe('request spans of a server', () => {
  let collector: Collector;
  let server: TestServer;
  before(async () => {
    collector = await new Collector().start();
    server = await startTestServer(['--otlp-endpoint', collector.url]);
    await server.client.createModel({ name: 'echo' });
    const version = await server.client.pushVersion('echo', buildIdentityModel('FP32'));
    assert.equal(version.state, 'READY', version.error ?? undefined);
  });
  after(async () => {
    await server?.close();
    await collector?.close();
  });

  const infer = (headers: Record<string, string>): Promise<Response> => server.call('/v2/models/echo/infer', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ inputs: [{ name: 'x', shape: [1, 2], datatype: 'FP32', data: [1, 2] }] }),
  });

  it('continues the caller\'s trace: a SERVER span child of the given span, and traceparent on the answer', async () => {
    const trace = 'a1b2c3d4e5f60718293a4b5c6d7e8f90';
    const parent = '1122334455667788';
    const response = await infer({ traceparent: `00-${trace}-${parent}-01`, tracestate: 'vendor=opaque' });
    assert.equal(response.status, 200, await response.clone().text());
    await response.arrayBuffer();
    const header = response.headers.get('traceparent') ?? '';
    const answered = parseTraceparent(header);
    assert.ok(answered !== undefined, `traceparent on the answer: ${header}`);
    assert.equal(answered.traceId, trace);
    assert.equal(answered.sampled, true);
    assert.equal(response.headers.get('tracestate'), 'vendor=opaque');

    const spans = await collector.waitFor((all) => all.some((s) => s.traceId === trace && s.kind === 2));
    const serverSpan = spans.find((s) => s.traceId === trace && s.kind === 2);
    assert.equal(serverSpan.parentSpanId, parent);
    assert.equal(serverSpan.spanId, answered.spanId);
    assert.equal(serverSpan.traceState, 'vendor=opaque');
    assert.match(serverSpan.name, /^POST \/v2\/models\/.*infer$/);
    const attributes = attributesOf(serverSpan);
    assert.deepEqual(attributes['http.request.method'], { stringValue: 'POST' });
    assert.match(attributes['http.route'].stringValue, /infer$/);
    assert.equal(typeof attributes['tessera.request_id'].stringValue, 'string');
    assert.deepEqual(attributes['http.response.status_code'], { intValue: '200' });
    assert.deepEqual(serverSpan.status, {});
    const text = JSON.stringify(serverSpan);
    assert.equal(text.includes(server.key), false, 'no key in the span');
    assert.equal(text.includes('"data"'), false, 'no tensor data in the span');

    // The runtime's spans: the request → queue (child) → batch execution (its own span, linked from the request's
    // execute span, and linking back to the queue spans of every request it ran).
    const all = await collector.waitFor((spans) => ['queue', 'execute'].every((name) => spans.some((s) => s.traceId === trace && s.name === name))
      && spans.some((s) => s.name === 'batch'));
    const queue = all.find((s) => s.traceId === trace && s.name === 'queue');
    const execute = all.find((s) => s.traceId === trace && s.name === 'execute');
    assert.equal(queue.parentSpanId, serverSpan.spanId, 'the queue span is a child of the request span');
    assert.equal(execute.parentSpanId, serverSpan.spanId, 'the execute span is a child of the request span');
    const batch = all.find((s) => s.name === 'batch' && (s.links ?? []).some((link: any) => link.spanId === queue.spanId));
    assert.ok(batch !== undefined, 'a batch span links the request\'s queue span');
    assert.ok((execute.links ?? []).some((link: any) => link.spanId === batch.spanId), 'the execute span links its batch span');
    assert.equal(attributesOf(execute)['batch.size'].intValue, attributesOf(batch)['batch.size'].intValue);
  });

  it('starts a new trace without a valid traceparent and does not record an unsampled one', async () => {
    const fresh = await infer({ traceparent: `00-${'0'.repeat(32)}-${SPAN}-01` });
    assert.equal(fresh.status, 200);
    const started = parseTraceparent(fresh.headers.get('traceparent') ?? '');
    assert.ok(started !== undefined);
    assert.notEqual(started.traceId, '0'.repeat(32));
    assert.equal(started.sampled, true);
    const spans = await collector.waitFor((all) => all.some((s) => s.spanId === started.spanId));
    assert.equal(spans.find((s) => s.spanId === started.spanId).parentSpanId, undefined);

    const unsampledTrace = 'fedcba98765432100123456789abcdef';
    const quiet = await infer({ traceparent: `00-${unsampledTrace}-${SPAN}-00` });
    assert.equal(quiet.status, 200);
    const answered = parseTraceparent(quiet.headers.get('traceparent') ?? '');
    assert.equal(answered?.traceId, unsampledTrace);
    assert.equal(answered?.sampled, false);
    await delay(1500);
    assert.equal(collector.spans().some((s) => s.traceId === unsampledTrace), false);
  });

  it('records refused requests too, with their status', async () => {
    const response = await server.call('/v2/models/echo', { key: null, headers: { traceparent: `00-${TRACE}-${SPAN}-01` } });
    assert.equal(response.status, 401);
    const spans = await collector.waitFor((all) => all.some((s) => s.traceId === TRACE && s.parentSpanId === SPAN));
    const span = spans.find((s) => s.traceId === TRACE && s.parentSpanId === SPAN);
    assert.deepEqual(attributesOf(span)['http.response.status_code'], { intValue: '401' });
    assert.deepEqual(span.status, {}, 'only 5xx answers fail the span');
  });
});

describe('tracing off', () => {
  it('adds no traceparent when no collector is configured', async () => {
    const server = await startTestServer();
    try {
      const response = await server.call('/v2', { headers: { traceparent: `00-${TRACE}-${SPAN}-01` } });
      assert.equal(response.status, 200);
      assert.equal(response.headers.get('traceparent'), null);
    } finally {
      await server.close();
    }
  });
});
