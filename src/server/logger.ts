import pino, { type Logger } from 'pino';

/** Structured JSON logs on stdout (pino); the authorization header is never written. */
export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { service: 'tessera' },
    redact: { paths: ['req.headers.authorization', 'headers.authorization'], censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
  });
}
