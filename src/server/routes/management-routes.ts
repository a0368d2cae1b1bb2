import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { fail } from '../../core/index.js';
import type { AliasInfo } from '../../protocol/index.js';
import { addressOf, callerOf, type ModelParams } from '../model-address.js';
import { modelRoutes } from '../route-policy.js';
import type { ServerContext } from '../server-context.js';

type Version = ModelParams & { version: string };
type Alias = ModelParams & { alias: string };

/** One entity tag (strong or weak, with its quotes) or `*`: RFC 9110 syntax, bounded. */
const IF_MATCH = /^(?:\*|(?:W\/)?"[\x21\x23-\x7e\x80-\xff]{0,200}")$/;

/**
 * The `If-Match` of an alias change: absent, `*`, or exactly one ETag. A list or a malformed value is refused (400)
 * rather than ignored, so a client never believes it made a conditional change that was not.
 */
function ifMatchOf(request: FastifyRequest): string | undefined {
  const header = request.headers['if-match'];
  if (header === undefined) return undefined;
  const value = (Array.isArray(header) ? header.join(', ') : header).trim();
  if (!IF_MATCH.test(value)) {
    fail('INVALID_REQUEST', `Invalid If-Match ${JSON.stringify(value.slice(0, 80))}: send one ETag exactly as the alias answer gave it, quotes included (e.g. "a7-production-3"), or *.`,
      { field: 'If-Match' });
  }
  return value;
}

/** Answers one alias with its ETag as a header too. */
function withEtag(reply: FastifyReply, info: AliasInfo): AliasInfo {
  void reply.header('etag', info.etag);
  return info;
}

function versionNumber(text: string): number {
  if (!/^[1-9][0-9]{0,8}$/.test(text)) fail('INVALID_VERSION', `Invalid version ${JSON.stringify(text.slice(0, 40))}: use a positive integer.`);
  return Number(text);
}

/**
 * The management API: models, versions (listing and deleting; uploads live in upload-routes), aliases and traffic
 * splits. Every
 * model is named `name` (in the caller's tenant) or `tenant/name`; reads need the model visible to the caller,
 * changes need it owned (app/access.ts). Alias changes take `If-Match` (412 PRECONDITION_FAILED when stale) and
 * record the calling key as the move's actor; single-alias answers carry the alias's `ETag`.
 */
export function registerManagementRoutes(server: FastifyInstance, context: ServerContext): void {
  const { app } = context;
  const visible = (request: FastifyRequest): string => app.access.visible(callerOf(request), addressOf(request.params as ModelParams)).name;
  const owned = (request: FastifyRequest): string => app.access.owned(callerOf(request), addressOf(request.params as ModelParams)).name;
  /** The actor of an alias move through the API is the calling key; the precondition is its If-Match. */
  const change = (request: FastifyRequest) => ({ actor: `key:${callerOf(request).keyId}`, ifMatch: ifMatchOf(request) });

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
    server.get<{ Params: Alias }>(path, async (request, reply) => withEtag(reply, app.aliases.get(visible(request), request.params.alias)));
    server.put<{ Params: Alias }>(path, async (request, reply) =>
      withEtag(reply, await app.aliases.set(owned(request), request.params.alias, request.body, change(request))));
    server.post<{ Params: Alias }>(`${path}/rollback`, async (request, reply) =>
      withEtag(reply, app.aliases.rollback(owned(request), request.params.alias, request.body, change(request))));
    server.get<{ Params: Alias }>(`${path}/history`, async (request) => ({ items: app.aliases.history(visible(request), request.params.alias) }));
    server.delete<{ Params: Alias }>(path, async (request, reply) => {
      app.aliases.delete(owned(request), request.params.alias, change(request));
      return reply.code(204).send();
    });
  }
  for (const path of modelRoutes('/api/models', '/traffic')) {
    server.get<{ Params: ModelParams }>(path, async (request) => app.traffic.get(visible(request)));
    server.put<{ Params: ModelParams }>(path, async (request) => app.traffic.set(owned(request), request.body));
    server.delete<{ Params: ModelParams }>(path, async (request, reply) => {
      app.traffic.delete(owned(request));
      return reply.code(204).send();
    });
  }
}
