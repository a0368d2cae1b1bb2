import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ServingError } from '../core/index.js';

/** Decides whether a presented key may call the server. */
export interface KeyVerifier {
  verify(presented: string | undefined): boolean;
}

/** Routes anyone may call: liveness and readiness only. */
const PUBLIC_ROUTES = new Set(['/v2/health/live', '/v2/health/ready']);

function bearerOf(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (typeof header !== 'string') return undefined;
  const match = /^Bearer ([\x21-\x7e]{1,512})$/.exec(header);
  return match?.[1];
}

/**
 * Every route needs `Authorization: Bearer <key>` except the health routes. Keys in the query string are refused
 * (they end up in logs and proxies). Unknown routes also answer 401 first, so the route table cannot be probed.
 */
export function installAuthentication(app: FastifyInstance, verifier: KeyVerifier): void {
  app.addHook('onRequest', async (request) => {
    const path = request.url.split('?')[0];
    if (PUBLIC_ROUTES.has(path) && request.method === 'GET') return;
    if (/[?&](key|api_key|apikey|token|access_token)=/i.test(request.url)) {
      throw new ServingError('UNAUTHENTICATED', 'API keys are not accepted in the query string; send Authorization: Bearer <key>.');
    }
    if (!verifier.verify(bearerOf(request))) {
      throw new ServingError('UNAUTHENTICATED', 'A valid API key is required: send Authorization: Bearer <key>.');
    }
  });
}
