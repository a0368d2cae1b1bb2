import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ServingError } from '../core/index.js';
import { grants, type Admission, type Caller } from '../app/index.js';
import type { ServerContext } from './server-context.js';
import { sendError } from './error-handler.js';
import { policyOf, type RoutePolicy } from './route-policy.js';
import { checkHost } from './transport-security.js';

/** What the hooks learn about a request: its key, its admission under the limits, and what it ran. */
export interface RequestSecurity {
  caller?: Caller;
  policy?: RoutePolicy;
  admission?: Extract<Admission, { ok: true }>;
  /** Set by inference handlers: the version that answered and its queue/compute time. */
  metered?: { model: string; version: number; queueMs: number; computeMs: number };
  /** Set by handlers that create something, so its audit record names it (the path alone does not). */
  auditTarget?: string;
  /** The tenant whose object a change acted on, when it is not in the path (keys); default: the path's, else the caller's. */
  auditTenant?: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    security: RequestSecurity;
  }
}

const QUERY_KEY = /[?&](key|api_key|apikey|token|access_token)=/i;

export function bearerOf(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (typeof header !== 'string') return undefined;
  const match = /^Bearer ([\x21-\x7e]{1,512})$/.exec(header);
  return match?.[1];
}

/** The key id of a well-formed presented key (for the audit record of a failure); never the secret. */
function keyIdOf(presented: string | undefined): string {
  const match = presented === undefined ? null : /^tsk_([a-z0-9]{1,32})_/.exec(presented);
  return match?.[1] ?? 'none';
}

/**
 * Every route needs `Authorization: Bearer <key>` except the health routes; then the route's scopes (route-policy.ts)
 * and the key's and tenant's limits are checked, all before the body is read. Keys in the query string are refused
 * (they end up in logs and proxies). Unknown routes answer 401 first, so the route table cannot be probed.
 */
export function installAuthentication(server: FastifyInstance, context: ServerContext): void {
  server.decorateRequest('security', null as unknown as RequestSecurity);
  const failures = new FailureAuditThrottle(context);
  server.addHook('onRequest', async (request, reply) => {
    request.security = {};
    const policy = policyOf(request.method, request.routeOptions.url);
    request.security.policy = policy;
    if (policy?.access === 'public' && (request.method === 'GET' || request.method === 'HEAD')) return;
    if (QUERY_KEY.test(request.url)) {
      throw new ServingError('UNAUTHENTICATED', 'API keys are not accepted in the query string; send Authorization: Bearer <key>.');
    }
    const presented = bearerOf(request);
    const caller = context.app.authenticate(presented);
    if (caller === undefined) {
      failures.record(request, keyIdOf(presented));
      throw new ServingError('UNAUTHENTICATED', 'A valid API key is required: send Authorization: Bearer <key>.');
    }
    request.security.caller = caller;
    if (policy === undefined) {
      if (request.routeOptions.url === undefined) return;
      throw new ServingError('FORBIDDEN', 'This route has no access policy.');
    }
    if (policy.access !== 'authenticated' && policy.access !== 'public' && !policy.access.some((scope) => grants(caller, scope))) {
      throw new ServingError('FORBIDDEN', `This key lacks the scope this route needs (${policy.access.join(' or ')}).`);
    }
    admit(request, reply, context, caller, policy);
  });
}

function admit(request: FastifyRequest, reply: FastifyReply, context: ServerContext, caller: Caller, policy: RoutePolicy): void {
  const admission = context.app.limits.admit(caller, policy.inference === true ? 'inference' : 'request');
  for (const [name, value] of Object.entries(admission.headers)) void reply.header(name, value);
  if (!admission.ok) {
    void reply.header('retry-after', String(admission.retryAfterSeconds));
    throw new ServingError(admission.code, admission.message);
  }
  request.security.admission = admission;
}

/**
 * Failed authentications are audited (key id only, never the presented secret), at most a few per second so a
 * flood of bad keys cannot flood the audit log; the rest are counted in the log line of the next record.
 */
class FailureAuditThrottle {
  private windowStart = 0;
  private inWindow = 0;
  private dropped = 0;
  private static readonly PER_SECOND = 5;

  constructor(private readonly context: ServerContext) {}

  record(request: FastifyRequest, keyId: string): void {
    const now = Date.now();
    if (now - this.windowStart >= 1000) {
      this.windowStart = now;
      this.inWindow = 0;
    }
    if (this.inWindow >= FailureAuditThrottle.PER_SECOND) {
      this.dropped += 1;
      return;
    }
    this.inWindow += 1;
    const details = this.dropped > 0 ? { unrecordedFailuresBefore: this.dropped } : {};
    this.dropped = 0;
    this.context.app.audit.record({
      actor: `key:${keyId}`, tenant: '-', action: 'auth.failure', target: `${request.method} ${request.url.split('?')[0].slice(0, 200)}`,
      outcome: 'refused', requestId: request.id, details,
    });
  }
}

/**
 * Requests the router refuses before any hook runs (a malformed percent-encoding, a path segment over the length
 * limit) still get the Host and key checks, then a catalogue error: the route table cannot be probed this way.
 */
export function answerRouterRefusal(context: ServerContext, hosts: ReadonlySet<string> | undefined, request: FastifyRequest, reply: FastifyReply): void {
  try {
    checkHost(hosts, request.headers.host);
    if (context.app.authenticate(bearerOf(request)) === undefined) {
      throw new ServingError('UNAUTHENTICATED', 'A valid API key is required: send Authorization: Bearer <key>.');
    }
    throw new ServingError('INVALID_REQUEST', 'The request path is malformed (bad percent-encoding, or a segment over 256 characters).');
  } catch (error) {
    void sendError(reply, error);
  }
}
