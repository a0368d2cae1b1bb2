import pino, { type Logger } from 'pino';

/** A request as logged: method and path only. The query string is dropped (a key refused there must not be logged). */
function requestForLog(request: { method?: string; url?: string; id?: unknown }): Record<string, unknown> {
  return { id: request.id, method: request.method, path: typeof request.url === 'string' ? request.url.split(/[?#]/)[0].slice(0, 512) : undefined };
}

/** Structured JSON logs on stdout (pino); neither the authorization header nor query strings are ever written. */
export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { service: 'tessera' },
    redact: { paths: ['req.headers.authorization', 'headers.authorization'], censor: '[redacted]' },
    serializers: { req: requestForLog },
    timestamp: pino.stdTimeFunctions.isoTime,
  });
}
