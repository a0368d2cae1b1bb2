import type { FastifyRequest } from 'fastify';
import { fail } from '../core/index.js';

/** The header a client may send instead of the v2 `timeout` parameter: milliseconds from arrival. */
export const TIMEOUT_HEADER = 'x-request-timeout-ms';

/**
 * The request's absolute deadline (Date.now() ms), from the `timeout` parameter (µs) and/or the timeout header
 * (ms), the earlier of the two; undefined when the client gave none.
 */
export function deadlineOf(request: FastifyRequest, timeoutUs?: number): number | undefined {
  const arrived = Date.now();
  const header = request.headers[TIMEOUT_HEADER];
  let deadline = timeoutUs === undefined ? undefined : arrived + timeoutUs / 1000;
  if (typeof header === 'string') {
    if (!/^[1-9][0-9]{0,9}$/.test(header)) fail('INVALID_PARAMETER', `${TIMEOUT_HEADER} must be a positive integer (milliseconds).`);
    const fromHeader = arrived + Number(header);
    deadline = deadline === undefined ? fromHeader : Math.min(deadline, fromHeader);
  }
  return deadline;
}
