import type { FastifyInstance } from 'fastify';
import type { Readable } from 'node:stream';
import { fail } from '../../core/index.js';
import { addressOf, callerOf, type ModelParams } from '../model-address.js';
import { modelRoutes } from '../route-policy.js';
import type { ServerContext } from '../server-context.js';

/**
 * Version uploads: the raw ONNX bytes as application/octet-stream, streamed to disk (never buffered whole).
 * A declared Content-Length over the limit is refused before a byte is read.
 */
export function registerUploadRoutes(server: FastifyInstance, context: ServerContext): void {
  server.removeAllContentTypeParsers();
  server.addContentTypeParser('application/octet-stream', (_request, payload, done) => done(null, payload));
  server.addContentTypeParser('*', (request, _payload, done) => {
    done(Object.assign(new Error(`Upload the model as application/octet-stream, not ${String(request.headers['content-type']).slice(0, 80)}.`), { code: 'UNSUPPORTED_MEDIA_TYPE' }), undefined);
  });
  for (const path of modelRoutes('/api/models', '/versions')) {
    server.post<{ Params: ModelParams }>(path, async (request, reply) => {
      const model = context.app.access.owned(callerOf(request), addressOf(request.params));
      const declared = Number(request.headers['content-length'] ?? 0);
      if (declared > context.config.maxModelBytes) {
        fail('MODEL_TOO_LARGE', `The upload declares ${declared} bytes; the limit is ${context.config.maxModelBytes} (TESSERA_MAX_MODEL_BYTES).`);
      }
      const body = request.body as Readable | undefined;
      if (body === undefined) fail('UNSUPPORTED_MEDIA_TYPE', 'Upload the model bytes with Content-Type: application/octet-stream.');
      const iterator = body[Symbol.asyncIterator]() as AsyncIterator<Uint8Array>;
      try {
        const version = await context.app.versions.push(model.name, detached(iterator));
        return reply.code(201).send(version);
      } catch (error) {
        void reply.header('connection', 'close');
        if (!body.readableEnded) await drain(body, iterator);
        throw error;
      }
    });
  }
}

const DRAIN_LIMIT_BYTES = 8 * 1024 * 1024;

/** The request body as an iterable whose early exit does not destroy the socket (so the error answer arrives). */
function detached(iterator: AsyncIterator<Uint8Array>): AsyncIterable<Uint8Array> {
  return { [Symbol.asyncIterator]: () => ({ next: () => iterator.next(), return: async () => ({ done: true, value: undefined }) }) };
}

/** Reads and drops what the client is still sending, up to a bound; past it the connection is cut. */
async function drain(body: Readable, iterator: AsyncIterator<Uint8Array>): Promise<void> {
  let dropped = 0;
  while (dropped <= DRAIN_LIMIT_BYTES) {
    const next = await iterator.next().catch(() => ({ done: true as const, value: undefined }));
    if (next.done) return;
    dropped += next.value.byteLength;
  }
  body.destroy();
}
