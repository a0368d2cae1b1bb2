import type { FastifyInstance, FastifyRequest } from 'fastify';
import { fail } from '../../core/index.js';
import { addressOf, callerOf, type ModelParams } from '../model-address.js';
import { modelRoutes } from '../route-policy.js';
import type { ServerContext } from '../server-context.js';

type Version = ModelParams & { version: string };
type Alias = ModelParams & { alias: string };

function versionNumber(text: string): number {
  if (!/^[1-9][0-9]{0,8}$/.test(text)) fail('INVALID_VERSION', `Invalid version ${JSON.stringify(text.slice(0, 40))}: use a positive integer.`);
  return Number(text);
}

/**
 * The management API: models, versions (listing and deleting; uploads live in upload-routes) and aliases. Every
 * model is named `name` (in the caller's tenant) or `tenant/name`; reads need the model visible to the caller,
 * changes need it owned (app/access.ts).
 */
export function registerManagementRoutes(server: FastifyInstance, context: ServerContext): void {
  const { app } = context;
  const visible = (request: FastifyRequest): string => app.access.visible(callerOf(request), addressOf(request.params as ModelParams)).name;
  const owned = (request: FastifyRequest): string => app.access.owned(callerOf(request), addressOf(request.params as ModelParams)).name;

  server.post('/api/models', async (request, reply) => {
    const model = app.models.create(callerOf(request), request.body);
    request.security.auditTarget = `${model.tenant}/${model.name}`;
    return reply.code(201).send(model);
  });
  server.get('/api/models', async (request) => ({ items: app.models.list(app.access.list(callerOf(request))) }));
  for (const path of modelRoutes('/api/models', '')) {
    server.get<{ Params: ModelParams }>(path, async (request) => app.models.get(visible(request)));
    server.patch<{ Params: ModelParams }>(path, async (request) => app.models.update(owned(request), request.body));
    server.delete<{ Params: ModelParams }>(path, async (request, reply) => {
      await app.models.delete(owned(request));
      return reply.code(204).send();
    });
  }
  for (const path of modelRoutes('/api/models', '/versions')) {
    server.get<{ Params: ModelParams }>(path, async (request) => ({ items: app.versions.list(visible(request)) }));
  }
  for (const path of modelRoutes('/api/models', '/versions/:version')) {
    server.get<{ Params: Version }>(path, async (request) => app.versions.get(visible(request), versionNumber(request.params.version)));
    server.delete<{ Params: Version }>(path, async (request, reply) => {
      await app.versions.delete(owned(request), versionNumber(request.params.version));
      return reply.code(204).send();
    });
  }
  for (const path of modelRoutes('/api/models', '/aliases')) {
    server.get<{ Params: ModelParams }>(path, async (request) => ({ items: app.aliases.list(visible(request)) }));
  }
  for (const path of modelRoutes('/api/models', '/aliases/:alias')) {
    server.put<{ Params: Alias }>(path, async (request) => app.aliases.set(owned(request), request.params.alias, request.body));
    server.post<{ Params: Alias }>(`${path}/rollback`, async (request) => app.aliases.rollback(owned(request), request.params.alias));
    server.get<{ Params: Alias }>(`${path}/history`, async (request) => ({ items: app.aliases.history(visible(request), request.params.alias) }));
    server.delete<{ Params: Alias }>(path, async (request, reply) => {
      app.aliases.delete(owned(request), request.params.alias);
      return reply.code(204).send();
    });
  }
}
