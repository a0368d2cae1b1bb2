import type { FastifyRequest } from 'fastify';
import type { Caller, ModelAddress } from '../app/index.js';
import { ServingError } from '../core/index.js';

/** Path parameters of a model route: `/…/:name` or `/…/:tenant/:name`. */
export type ModelParams = { tenant?: string; name: string };

export function addressOf(params: ModelParams): ModelAddress {
  return { tenant: params.tenant, model: params.name };
}

/** The model as the request named it (`name` or `tenant/name`), echoed in protocol answers like Triton does. */
export function addressedName(params: ModelParams): string {
  return params.tenant === undefined ? params.name : `${params.tenant}/${params.name}`;
}

/** The authenticated caller; the authentication hook guarantees one on every non-public route. */
export function callerOf(request: FastifyRequest): Caller {
  const caller = request.security?.caller;
  if (caller === undefined) throw new ServingError('UNAUTHENTICATED', 'A valid API key is required: send Authorization: Bearer <key>.');
  return caller;
}
