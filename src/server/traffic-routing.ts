import type { FastifyReply, FastifyRequest } from 'fastify';
import type { TrafficRouting } from '../app/index.js';
import { MODEL_VERSION_HEADER } from '../protocol/index.js';

/**
 * The routing of an inference request under its model's traffic split, as the app takes it: the value of the
 * split's sticky header as a plain string (the first one when the header was repeated), nothing when the split has
 * no sticky header or the request does not carry it.
 *
 * @example routingOf(request, model.traffic?.stickyHeader) // → { sticky: 'user-42' }
 */
export function routingOf(request: FastifyRequest, stickyHeader: string | undefined): TrafficRouting {
  if (stickyHeader === undefined) return {};
  const value = request.headers[stickyHeader];
  const text = Array.isArray(value) ? value[0] : value;
  return text === undefined || text.length === 0 ? {} : { sticky: text };
}

/** From here on, every log line of the request (its errors and `request completed`) names the version serving it. */
export function logVersion(request: FastifyRequest, reply: FastifyReply, version: number): void {
  request.log = request.log.child({ modelVersion: version });
  reply.log = request.log;
}

/** The answer names the version that answered in the `x-model-version` header. */
export function answeredBy(reply: FastifyReply, version: number): void {
  void reply.header(MODEL_VERSION_HEADER, String(version));
}
