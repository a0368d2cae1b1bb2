import type { ErrorCode } from './errors.js';

/**
 * Errors raised by the browser-safe codecs. They carry a catalogue code, so they are recognized like ServingError
 * (by `code`) without protocol/ depending on core/.
 */
export function wireError(code: ErrorCode, message: string): Error & { code: ErrorCode } {
  return Object.assign(new Error(message), { code });
}
