import type { FastifyInstance } from 'fastify';
import type { ServerContext } from '../server-context.js';

export const EXTENSIONS = ['binary_tensor_data', 'classification', 'model_repository', 'statistics'];

/** Liveness, readiness and server metadata. The status code is the answer; the body says the same in JSON. */
export function registerHealthRoutes(server: FastifyInstance, context: ServerContext): void {
  server.get('/v2/health/live', async () => ({ live: true }));
  server.get('/v2/health/ready', async (_request, reply) => {
    const ready = context.isAcceptingTraffic();
    return reply.code(ready ? 200 : 503).send({ ready });
  });
  server.get('/v2', async () => ({ name: 'tessera', version: context.version, extensions: EXTENSIONS }));
}
