import type { ErrorCode } from '../protocol/index.js';

/** A catalogue code, or a code this SDK does not know yet (a newer server). */
export type TesseraErrorCode = ErrorCode | (string & {});

/**
 * A non-2xx answer of a tessera server. Recognize it by `code` (the server's stable code from
 * `{"error": message, "code": CODE}`, or `INTERNAL` when the body has none); `body` is the parsed body
 * (or its text when it is not JSON).
 *
 * @example
 * try { await client.getModel('nope'); }
 * catch (error) { if (isTesseraError(error) && error.code === 'MODEL_NOT_FOUND') console.log('no such model'); }
 */
export class TesseraError extends Error {
  readonly status: number;
  readonly code: TesseraErrorCode;
  readonly body: unknown;

  constructor(status: number, code: TesseraErrorCode, message: string, body?: unknown) {
    super(message);
    this.name = 'TesseraError';
    this.status = status;
    this.code = code;
    this.body = body;
  }
}

/** True for a TesseraError, also one that lost its prototype (checked by shape, not `instanceof`). */
export function isTesseraError(value: unknown): value is TesseraError {
  return typeof value === 'object' && value !== null
    && typeof (value as { status?: unknown }).status === 'number'
    && typeof (value as { code?: unknown }).code === 'string'
    && typeof (value as { message?: unknown }).message === 'string';
}

/**
 * Builds the TesseraError for a non-2xx response, reading its body.
 *
 * @example
 * if (!response.ok) throw await errorFromResponse(response);
 */
export async function errorFromResponse(response: Response): Promise<TesseraError> {
  const text = await response.text().catch(() => '');
  let body: unknown = text;
  try {
    if (text.length > 0) body = JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  const record = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
  const code = typeof record.code === 'string' && record.code.length > 0 ? record.code : 'INTERNAL';
  const message = typeof record.error === 'string' && record.error.length > 0
    ? record.error
    : `HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}${typeof body === 'string' && body ? `: ${body.slice(0, 200)}` : ''}`;
  return new TesseraError(response.status, code, message, body);
}
