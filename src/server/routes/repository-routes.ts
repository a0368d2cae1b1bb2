import type { FastifyInstance } from 'fastify';
import { fail } from '../../core/index.js';
import type { ServerContext } from '../server-context.js';

/** The model repository extension: POST index (bare array), load and unload (200, empty body). */
export function registerRepositoryRoutes(server: FastifyInstance, context: ServerContext): void {
  const { app } = context;
  server.post('/v2/repository/index', async (request) => {
    const body = (request.body ?? {}) as { ready?: unknown };
    if (typeof body !== 'object' || Array.isArray(body) || (body.ready !== undefined && typeof body.ready !== 'boolean')) {
      fail('INVALID_REQUEST', 'The body must be {} or {"ready": true|false}.');
    }
    return app.repository.index(body.ready === true);
  });
  server.post('/v2/repository/:repository/index', async () => fail('NOT_IMPLEMENTED', 'Named repositories are not supported; use /v2/repository/index.'));
  server.post<{ Params: { name: string } }>('/v2/repository/models/:name/load', async (request, reply) => {
    await app.repository.load(request.params.name);
    return reply.code(200).send('');
  });
  server.post<{ Params: { name: string } }>('/v2/repository/models/:name/unload', async (request, reply) => {
    await app.repository.unload(request.params.name);
    return reply.code(200).send('');
  });
}
