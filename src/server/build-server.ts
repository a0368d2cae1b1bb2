import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { randomUUID } from 'node:crypto';
import type { Logger as PinoLogger } from 'pino';
import { ServingError } from '../core/index.js';
import { installAccounting } from './accounting.js';
import { answerRouterRefusal, installAuthentication } from './auth.js';
import { installErrorHandling } from './error-handler.js';
import { installJsonParser } from './json-body.js';
import { registerHealthRoutes } from './routes/health-routes.js';
import { registerManagementRoutes } from './routes/management-routes.js';
import { registerOpsRoutes } from './routes/ops-routes.js';
import { registerPredictionRoutes } from './routes/prediction-routes.js';
import { registerRepositoryRoutes } from './routes/repository-routes.js';
import { registerSecurityRoutes } from './routes/security-routes.js';
import { registerUploadRoutes } from './routes/upload-routes.js';
import { registerV2Routes } from './routes/v2-routes.js';
import { policyOf } from './route-policy.js';
import { installTracing } from './tracing-hooks.js';
import { allowedHostNames, installTransportChecks, tlsOptions } from './transport-security.js';
import type { ServerContext } from './server-context.js';

/** Open sockets beyond this are refused by Node, so idle or slow clients cannot exhaust file descriptors. */
const MAX_CONNECTIONS = 4096;
const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

/**
 * The HTTP transport: parse, authenticate, call the use cases, map errors. Slow clients are bounded by Node's
 * timeouts: headers within 15 s, a whole request (uploads included) within 10 minutes, idle keep-alive 5 s.
 */
export function buildServer(context: ServerContext, logger: PinoLogger): FastifyInstance {
  const https = tlsOptions(context.config);
  const server = Fastify({
    ...(https === undefined ? {} : { https }),
    loggerInstance: logger as unknown as FastifyBaseLogger,
    requestIdHeader: false,
    genReqId: (request) => {
      const given = request.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
    bodyLimit: context.config.maxJsonBytes,
    requestTimeout: 600_000,
    connectionTimeout: 0,
    keepAliveTimeout: 5_000,
    maxRequestsPerSocket: 0,
    routerOptions: { maxParamLength: 256, ignoreTrailingSlash: false },
    return503OnClosing: false,
    frameworkErrors: (_error, request, reply) => answerRouterRefusal(context, allowedHostNames(context.config), request, reply),
    forceCloseConnections: 'idle',
  });
  server.server.headersTimeout = 15_000;
  server.server.maxHeadersCount = 100;
  server.server.maxConnections = MAX_CONNECTIONS;
  server.addHook('onSend', async (request, reply) => {
    void reply.header('x-request-id', request.id);
    context.metrics.httpRequests.inc({ method: request.method, route: request.routeOptions.url ?? 'unmatched', status: String(reply.statusCode) });
  });
  installTracing(server, context.tracer);
  installErrorHandling(server);
  server.addHook('onRequest', async (request) => {
    if (!context.isAcceptingTraffic() && !request.url.startsWith('/v2/health/')) {
      throw new ServingError('SERVER_NOT_READY', 'The server is shutting down or starting; retry shortly.');
    }
  });
  refuseRoutesWithoutPolicy(server);
  installTransportChecks(server, context.config);
  installAuthentication(server, context);
  installAccounting(server, context);
  installJsonParser(server, context.config.maxJsonBytes);
  server.removeContentTypeParser('text/plain');
  registerHealthRoutes(server, context);
  registerManagementRoutes(server, context);
  registerRepositoryRoutes(server, context);
  registerSecurityRoutes(server, context);
  registerOpsRoutes(server, context);
  void server.register(async (scope) => registerUploadRoutes(scope, context));
  void server.register(async (scope) => registerV2Routes(scope, context));
  void server.register(async (scope) => registerPredictionRoutes(scope, context));
  return server;
}

/** Every route must have an access policy (route-policy.ts): registering one without fails at build time. */
function refuseRoutesWithoutPolicy(server: FastifyInstance): void {
  server.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    for (const method of methods) {
      if (policyOf(method, route.url) === undefined) throw new Error(`Route ${method} ${route.url} has no access policy in route-policy.ts.`);
    }
  });
}
