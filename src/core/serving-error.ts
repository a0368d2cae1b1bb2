import type { ErrorCode } from '../protocol/index.js';

/**
 * The one error type of tessera. Recognize it by `code` (see `isServingError`), never by `instanceof`:
 * errors that cross a worker or process boundary lose their prototype.
 */
export class ServingError extends Error {
  readonly code: ErrorCode;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, details?: Record<string, unknown>) {
    super(message);
    this.name = 'ServingError';
    this.code = code;
    this.details = details;
  }
}

export interface ServingErrorLike {
  code: ErrorCode;
  message: string;
  details?: Record<string, unknown>;
}

export function isServingError(value: unknown): value is ServingErrorLike {
  return typeof value === 'object' && value !== null && typeof (value as { code?: unknown }).code === 'string'
    && typeof (value as { message?: unknown }).message === 'string' && /^[A-Z][A-Z_]+$/.test((value as { code: string }).code);
}

/** Shorthand for `throw new ServingError(...)` in expression position. */
export function fail(code: ErrorCode, message: string, details?: Record<string, unknown>): never {
  throw new ServingError(code, message, details);
}
