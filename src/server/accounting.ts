import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ServerContext } from './server-context.js';

/** The object a change acted on, from the route's path parameters (already validated by the handler). */
function targetOf(request: FastifyRequest): string {
  const params = (request.params ?? {}) as Record<string, string | undefined>;
  const model = params.name === undefined ? undefined : params.tenant === undefined ? params.name : `${params.tenant}/${params.name}`;
  const parts = [
    model, params.version && `version ${params.version}`, params.alias && `alias ${params.alias}`,
    params.id && `key ${params.id}`, params.tenant !== undefined && params.name === undefined ? `tenant ${params.tenant}` : undefined,
  ].filter((part): part is string => typeof part === 'string' && part.length > 0);
  return parts.length > 0 ? parts.join(' ').slice(0, 256) : request.url.split('?')[0].slice(0, 256);
}

/**
 * The tenant whose object a successful change acted on (an admin creating acme's key belongs in acme's trail).
 * Refused calls stay in the caller's trail: the owner of a probed object does not learn other tenants' key ids.
 */
function tenantActedOn(request: FastifyRequest): string | undefined {
  return request.security.auditTenant ?? (request.params as { tenant?: string } | undefined)?.tenant;
}

function bytesOf(value: unknown): number {
  const bytes = Number(value ?? 0);
  return Number.isFinite(bytes) && bytes >= 0 ? bytes : 0;
}

/**
 * After each answer: releases the request's concurrency slot (with its compute time), meters inference usage, and
 * appends one audit record per call to a route that changes something — refused calls included.
 */
export function installAccounting(server: FastifyInstance, context: ServerContext): void {
  const finish = (request: FastifyRequest, status: number, bytesOut: number): void => {
    const { caller, policy, admission, metered } = request.security ?? {};
    if (caller === undefined || policy === undefined) return;
    admission?.release(metered === undefined ? undefined : { computeMs: metered.computeMs });
    if (policy.inference === true && admission !== undefined) {
      context.app.usage.record({
        caller, model: metered?.model ?? '', version: metered?.version ?? 0, ok: status < 400,
        bytesIn: bytesOf(request.headers['content-length']), bytesOut,
        queueMs: metered?.queueMs ?? 0, computeMs: metered?.computeMs ?? 0,
      });
    }
    if (policy.audit !== undefined) {
      context.app.audit.record({
        actor: `key:${caller.keyId}`, tenant: status < 400 ? tenantActedOn(request) ?? caller.tenant : caller.tenant,
        action: policy.audit, target: request.security.auditTarget ?? targetOf(request),
        outcome: status < 400 ? 'ok' : 'refused', requestId: request.id, details: { status },
      });
    }
    request.security.admission = undefined;
    request.security.policy = undefined;
  };
  server.addHook('onResponse', async (request, reply) => finish(request, reply.statusCode, bytesOf(reply.getHeader('content-length'))));
  server.addHook('onRequestAbort', async (request) => finish(request, 499, 0));
}
