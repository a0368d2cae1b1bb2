import type { FastifyInstance } from 'fastify';
import { buildOpenApi } from '../openapi.js';
import type { ServerContext } from '../server-context.js';

/** Prometheus metrics and the OpenAPI description (both need a key like every non-health route). */
export function registerOpsRoutes(server: FastifyInstance, context: ServerContext): void {
  server.get('/metrics', async (_request, reply) => {
    const text = await context.metrics.registry.metrics();
    return reply.type(context.metrics.registry.contentType).send(text);
  });
  const document = buildOpenApi(context.version);
  server.get('/docs', async () => document);
  server.get('/docs/openapi.json', async () => document);
}
