import type { FastifyInstance, FastifyRequest } from 'fastify';
import { fail } from '../../core/index.js';
import { nameFor } from '../../app/index.js';
import { addressOf, callerOf, type ModelParams } from '../model-address.js';
import { modelRoutes } from '../route-policy.js';
import type { ServerContext } from '../server-context.js';

/** The model repository extension: POST index (bare array), load and unload (200, empty body). */
export function registerRepositoryRoutes(server: FastifyInstance, context: ServerContext): void {
  const { app } = context;
  const owned = (request: FastifyRequest): string => app.access.owned(callerOf(request), addressOf(request.params as ModelParams)).name;
  server.post('/v2/repository/index', async (request) => {
    const body = (request.body ?? {}) as { ready?: unknown };
    if (typeof body !== 'object' || Array.isArray(body) || (body.ready !== undefined && typeof body.ready !== 'boolean')) {
      fail('INVALID_REQUEST', 'The body must be {} or {"ready": true|false}.');
    }
    const caller = callerOf(request);
    return app.repository.index(app.access.list(caller), body.ready === true).map((entry) => ({ ...entry, name: nameFor(caller, entry.name) }));
  });
  server.post('/v2/repository/:repository/index', async () => fail('NOT_IMPLEMENTED', 'Named repositories are not supported; use /v2/repository/index.'));
  for (const path of modelRoutes('/v2/repository/models', '/load')) {
    server.post(path, async (request, reply) => {
      await app.repository.load(owned(request));
      return reply.code(200).send('');
    });
  }
  for (const path of modelRoutes('/v2/repository/models', '/unload')) {
    server.post(path, async (request, reply) => {
      await app.repository.unload(owned(request));
      return reply.code(200).send('');
    });
  }
}
