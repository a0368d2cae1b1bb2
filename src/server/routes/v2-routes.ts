import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { INFERENCE_HEADER_CONTENT_LENGTH } from '../../protocol/index.js';
import type { ServerContext } from '../server-context.js';
import { encodeInferResponse } from '../v2/encode-infer-response.js';
import { parseInferRequest } from '../v2/parse-infer-request.js';

type ModelParams = { name: string; version?: string };

/**
 * Open Inference Protocol v2 model routes. Bodies arrive as raw buffers (JSON or binary extension) within the
 * inference body limit; `{version}` is a number or an alias name.
 */
export function registerV2Routes(server: FastifyInstance, context: ServerContext): void {
  const { app } = context;
  server.removeAllContentTypeParsers();
  server.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: context.config.maxInferBytes }, (_request, body, done) => done(null, body));

  for (const prefix of ['/v2/models/:name', '/v2/models/:name/versions/:version']) {
    server.get<{ Params: ModelParams }>(prefix, async (request) => app.inference.metadata(request.params.name, request.params.version));
    server.get<{ Params: ModelParams }>(`${prefix}/ready`, async (request, reply) => {
      const ready = app.inference.isReady(request.params.name, request.params.version);
      return reply.code(ready ? 200 : 503).send({ name: request.params.name, ready });
    });
    server.post<{ Params: ModelParams }>(`${prefix}/infer`, (request, reply) => infer(context, request, reply));
    server.get<{ Params: ModelParams }>(`${prefix}/stats`, async (request) => ({ model_stats: app.inference.stats(request.params.name, request.params.version) }));
  }
  server.get('/v2/models/stats', async () => ({ model_stats: app.inference.stats() }));
}

async function infer(context: ServerContext, request: FastifyRequest<{ Params: ModelParams }>, reply: FastifyReply): Promise<FastifyReply> {
  const body = (request.body as Buffer | undefined) ?? Buffer.alloc(0);
  const headerLength = request.headers[INFERENCE_HEADER_CONTENT_LENGTH];
  const parsed = parseInferRequest(body, typeof headerLength === 'string' ? headerLength : undefined, context.config.maxTensorElements);
  const outcome = await context.app.inference.infer({
    model: request.params.name, version: request.params.version, inputs: parsed.inputs, outputs: parsed.outputs,
  });
  const encoded = encodeInferResponse(outcome, parsed);
  if (encoded.headerLength !== undefined) void reply.header(INFERENCE_HEADER_CONTENT_LENGTH, String(encoded.headerLength));
  return reply.type(encoded.contentType).send(typeof encoded.body === 'string' ? encoded.body : Buffer.from(encoded.body.buffer, encoded.body.byteOffset, encoded.body.byteLength));
}
