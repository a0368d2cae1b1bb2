import type { FastifyInstance } from 'fastify';
import type { Readable } from 'node:stream';
import { fail } from '../../core/index.js';
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
  server.post<{ Params: { name: string } }>('/api/models/:name/versions', async (request, reply) => {
    context.app.models.require(request.params.name);
    const declared = Number(request.headers['content-length'] ?? 0);
    if (declared > context.config.maxModelBytes) {
      fail('MODEL_TOO_LARGE', `The upload declares ${declared} bytes; the limit is ${context.config.maxModelBytes} (TESSERA_MAX_MODEL_BYTES).`);
    }
    const body = request.body as Readable | undefined;
    if (body === undefined) fail('UNSUPPORTED_MEDIA_TYPE', 'Upload the model bytes with Content-Type: application/octet-stream.');
    const version = await context.app.versions.push(request.params.name, body);
    return reply.code(201).send(version);
  });
}
