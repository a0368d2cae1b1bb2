import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { grants, nameFor } from '../../app/index.js';
import { INFERENCE_HEADER_CONTENT_LENGTH } from '../../protocol/index.js';
import { addressedName, addressOf, callerOf, type ModelParams } from '../model-address.js';
import { deadlineOf } from '../deadline.js';
import { modelRoutes } from '../route-policy.js';
import type { ServerContext } from '../server-context.js';
import { answeredBy, logVersion, routingOf } from '../traffic-routing.js';
import { encodeInferResponse } from '../v2/encode-infer-response.js';
import { parseInferRequest } from '../v2/parse-infer-request.js';

type Params = ModelParams & { version?: string };

/**
 * Open Inference Protocol v2 model routes. Bodies arrive as raw buffers (JSON or binary extension) within the
 * inference body limit; `{version}` is a number or an alias name; a model is `name` or `tenant/name`. Answers
 * name the model as the request did.
 */
export function registerV2Routes(server: FastifyInstance, context: ServerContext): void {
  const { app } = context;
  server.removeAllContentTypeParsers();
  server.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: context.config.maxInferBytes }, (_request, body, done) => done(null, body));
  /** Keys that may read models see any visible one; infer-only keys see what they may run (their model list). */
  const describable = (request: FastifyRequest<{ Params: Params }>): string => {
    const caller = callerOf(request);
    const address = addressOf(request.params);
    return (grants(caller, 'models:read') ? app.access.visible(caller, address) : app.access.invocable(caller, address)).name;
  };

  for (const prefix of [...modelRoutes('/v2/models', ''), ...modelRoutes('/v2/models', '/versions/:version')]) {
    server.get<{ Params: Params }>(prefix, async (request) => ({
      ...app.inference.metadata(describable(request), request.params.version), name: addressedName(request.params),
    }));
    server.get<{ Params: Params }>(`${prefix}/ready`, async (request, reply) => {
      const ready = app.inference.isReady(describable(request), request.params.version);
      return reply.code(ready ? 200 : 503).send({ name: addressedName(request.params), ready });
    });
    server.post<{ Params: Params }>(`${prefix}/infer`, (request, reply) => infer(context, request, reply));
    server.get<{ Params: Params }>(`${prefix}/stats`, async (request) => ({
      model_stats: app.inference.stats(describable(request), request.params.version).map((entry) => ({ ...entry, name: nameFor(callerOf(request), entry.name) })),
    }));
  }
  server.get('/v2/models/stats', async (request) => {
    const caller = callerOf(request);
    return { model_stats: app.inference.statsOf(app.access.list(caller)).map((entry) => ({ ...entry, name: nameFor(caller, entry.name) })) };
  });
}

async function infer(context: ServerContext, request: FastifyRequest<{ Params: Params }>, reply: FastifyReply): Promise<FastifyReply> {
  const caller = callerOf(request);
  const model = context.app.access.invocable(caller, addressOf(request.params));
  request.security.metered = { model: model.name, version: 0, queueMs: 0, computeMs: 0 };
  const resolved = context.app.inference.resolve(model.name, request.params.version, routingOf(request, model.traffic?.stickyHeader)).version.version;
  request.security.metered.version = resolved;
  logVersion(request, reply, resolved);
  const body = (request.body as Buffer | undefined) ?? Buffer.alloc(0);
  const headerLength = request.headers[INFERENCE_HEADER_CONTENT_LENGTH];
  const parsed = parseInferRequest(body, typeof headerLength === 'string' ? headerLength : undefined, context.config.maxTensorElements);
  const outcome = await context.app.inference.infer({
    model: model.name, version: String(resolved), inputs: parsed.inputs, outputs: parsed.outputs, lane: caller.tenant,
    priority: parsed.priority, deadline: deadlineOf(request, parsed.timeoutUs), trace: request.traceContext,
  });
  request.security.metered = { model: outcome.model, version: outcome.version, queueMs: outcome.queueMs, computeMs: outcome.computeMs };
  const encoded = encodeInferResponse({ ...outcome, model: addressedName(request.params) }, parsed);
  answeredBy(reply, outcome.version);
  if (encoded.headerLength !== undefined) void reply.header(INFERENCE_HEADER_CONTENT_LENGTH, String(encoded.headerLength));
  return reply.type(encoded.contentType).send(typeof encoded.body === 'string' ? encoded.body : Buffer.from(encoded.body.buffer, encoded.body.byteOffset, encoded.body.byteLength));
}
