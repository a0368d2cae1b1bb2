import type { FastifyInstance } from 'fastify';
import { callerOf } from '../model-address.js';
import type { ServerContext } from '../server-context.js';

type UsageQuery = { from?: string; to?: string; tenant?: string; groupBy?: string; format?: string };

/** Tenants, API keys, usage, the audit trail and the master key. Scopes per route are in route-policy.ts. */
export function registerSecurityRoutes(server: FastifyInstance, context: ServerContext): void {
  const { app } = context;
  server.post('/api/tenants', async (request, reply) => {
    const tenant = app.tenants.create(request.body);
    request.security.auditTarget = `tenant ${tenant.name}`;
    return reply.code(201).send(tenant);
  });
  server.get('/api/tenants', async (request) => ({ items: app.tenants.list(callerOf(request)) }));
  server.get<{ Params: { tenant: string } }>('/api/tenants/:tenant', async (request) => app.tenants.get(callerOf(request), request.params.tenant));
  server.patch<{ Params: { tenant: string } }>('/api/tenants/:tenant', async (request) => app.tenants.update(request.params.tenant, request.body));
  server.delete<{ Params: { tenant: string } }>('/api/tenants/:tenant', async (request, reply) => {
    app.tenants.delete(request.params.tenant);
    return reply.code(204).send();
  });

  server.post('/api/keys', async (request, reply) => {
    const created = app.keys.create(callerOf(request), request.body);
    request.security.auditTarget = `key ${created.id} scopes ${created.scopes.join(',')}`;
    request.security.auditTenant = created.tenant;
    return reply.code(201).send(created);
  });
  server.get<{ Querystring: { tenant?: string } }>('/api/keys', async (request) => ({ items: app.keys.list(callerOf(request), request.query.tenant) }));
  server.get<{ Params: { id: string } }>('/api/keys/:id', async (request) => app.keys.get(callerOf(request), request.params.id));
  server.delete<{ Params: { id: string } }>('/api/keys/:id', async (request) => {
    const revoked = app.keys.revoke(callerOf(request), request.params.id);
    request.security.auditTenant = revoked.tenant;
    return revoked;
  });
  server.post<{ Params: { id: string } }>('/api/keys/:id/rotate', async (request, reply) => {
    const rotated = app.keys.rotate(callerOf(request), request.params.id, request.body);
    request.security.auditTenant = rotated.tenant;
    return reply.code(201).send(rotated);
  });

  server.get<{ Querystring: UsageQuery }>('/api/usage', async (request, reply) => {
    const { format, ...query } = request.query;
    if (format === 'csv') return reply.type('text/csv; charset=utf-8').send(app.usage.csv(callerOf(request), query));
    const { groupBy, rows } = app.usage.query(callerOf(request), query);
    return { groupBy, items: rows };
  });
  server.get<{ Querystring: { afterSeq?: string; limit?: string; tenant?: string } }>('/api/audit', async (request) =>
    ({ items: app.audit.list(callerOf(request), request.query) }));

  server.get('/api/encryption', async () => app.encryption.status());
  server.post('/api/encryption/rotate', async (request) => app.encryption.rotate(request.body));
}
