import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isServingError } from '../core/index.js';
import { isErrorCode, type ErrorBody, type ErrorCode } from '../protocol/index.js';
import { HTTP_STATUS, RETRY_AFTER } from './http-status.js';

const FASTIFY_CODES: Readonly<Record<string, ErrorCode>> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'INVALID_JSON',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'INVALID_REQUEST',
};

/** Turns any thrown value into `{"error", "code"}` with the status of the code table; internals never leak. */
export function toErrorAnswer(error: unknown): { status: number; body: ErrorBody } {
  if (isServingError(error) && isErrorCode(error.code)) {
    return { status: HTTP_STATUS[error.code], body: { error: error.message, code: error.code, ...(error.details ?? {}) } };
  }
  const fastifyCode = (error as FastifyError | undefined)?.code;
  if (typeof fastifyCode === 'string' && FASTIFY_CODES[fastifyCode]) {
    const code = FASTIFY_CODES[fastifyCode];
    return { status: HTTP_STATUS[code], body: { error: (error as Error).message, code } };
  }
  if ((error as { statusCode?: number } | undefined)?.statusCode === 400 && error instanceof SyntaxError) {
    return { status: 400, body: { error: `The body is not valid JSON: ${error.message}`, code: 'INVALID_JSON' } };
  }
  if ((error as { statusCode?: number } | undefined)?.statusCode === 400) {
    return { status: 400, body: { error: (error as Error).message, code: 'INVALID_REQUEST' } };
  }
  return { status: 500, body: { error: 'Internal server error; quote the requestId of this answer to find it in the logs.', code: 'INTERNAL' } };
}

export function sendError(reply: FastifyReply, error: unknown): FastifyReply {
  const answer = toErrorAnswer(error);
  const { status } = answer;
  const body = answer.body.code === 'INTERNAL' ? { ...answer.body, requestId: reply.request.id } : answer.body;
  const retry = RETRY_AFTER[body.code];
  if (retry !== undefined) void reply.header('retry-after', String(retry));
  return reply.code(status).type('application/json').send(body);
}

export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    const { status } = toErrorAnswer(error);
    if (status >= 500) request.log.error({ err: error }, 'request-failed');
    return sendError(reply, error);
  });
  app.setNotFoundHandler((request, reply) => sendError(reply, {
    code: 'ROUTE_NOT_FOUND', message: `No route ${request.method} ${request.url.split('?')[0].slice(0, 200)}.`,
  }));
}
