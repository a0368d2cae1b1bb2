import type { FastifyInstance } from 'fastify';
import { fail } from '../../core/index.js';
import type { ServerContext } from '../server-context.js';

type Model = { name: string };
type Version = { name: string; version: string };
type Alias = { name: string; alias: string };

function versionNumber(text: string): number {
  if (!/^[1-9][0-9]{0,8}$/.test(text)) fail('INVALID_VERSION', `Invalid version ${JSON.stringify(text.slice(0, 40))}: use a positive integer.`);
  return Number(text);
}

/** The management API: models, versions (listing and deleting; uploads live in upload-routes) and aliases. */
export function registerManagementRoutes(server: FastifyInstance, context: ServerContext): void {
  const { app } = context;
  server.post('/api/models', async (request, reply) => reply.code(201).send(app.models.create(request.body)));
  server.get('/api/models', async () => ({ items: app.models.list() }));
  server.get<{ Params: Model }>('/api/models/:name', async (request) => app.models.get(request.params.name));
  server.patch<{ Params: Model }>('/api/models/:name', async (request) => app.models.update(request.params.name, request.body));
  server.delete<{ Params: Model }>('/api/models/:name', async (request, reply) => {
    await app.models.delete(request.params.name);
    return reply.code(204).send();
  });

  server.get<{ Params: Model }>('/api/models/:name/versions', async (request) => ({ items: app.versions.list(request.params.name) }));
  server.get<{ Params: Version }>('/api/models/:name/versions/:version', async (request) =>
    app.versions.get(request.params.name, versionNumber(request.params.version)));
  server.delete<{ Params: Version }>('/api/models/:name/versions/:version', async (request, reply) => {
    await app.versions.delete(request.params.name, versionNumber(request.params.version));
    return reply.code(204).send();
  });

  server.get<{ Params: Model }>('/api/models/:name/aliases', async (request) => ({ items: app.aliases.list(request.params.name) }));
  server.put<{ Params: Alias }>('/api/models/:name/aliases/:alias', async (request) =>
    app.aliases.set(request.params.name, request.params.alias, request.body));
  server.post<{ Params: Alias }>('/api/models/:name/aliases/:alias/rollback', async (request) =>
    app.aliases.rollback(request.params.name, request.params.alias));
  server.get<{ Params: Alias }>('/api/models/:name/aliases/:alias/history', async (request) =>
    ({ items: app.aliases.history(request.params.name, request.params.alias) }));
  server.delete<{ Params: Alias }>('/api/models/:name/aliases/:alias', async (request, reply) => {
    app.aliases.delete(request.params.name, request.params.alias);
    return reply.code(204).send();
  });
}
