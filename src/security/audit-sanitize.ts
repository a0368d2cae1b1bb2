/**
 * Makes audit fields safe to store and to print (security.md §4.10): no control characters (so no record can forge
 * another line in a text export), well-formed UTF-16 (so what is hashed is what SQLite stores), bounded lengths.
 */

/** C0 and C1 controls, DEL, Unicode line/paragraph separators and bidirectional overrides/isolates. */
const UNSAFE_CHARACTERS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** Appended to a string cut at its bound. */
export const TRUNCATION_MARKER = '…[truncated]';

/** Most members kept per object or array in `details`, and the deepest nesting kept. */
const DETAILS_MAX_MEMBERS = 100;
const DETAILS_MAX_DEPTH = 8;
/** Bound of one string inside `details`. */
const DETAILS_MAX_STRING = 1024;

/**
 * Replaces each unsafe character with a space and each lone surrogate with U+FFFD, then cuts the text to `max`
 * characters (ending with `TRUNCATION_MARKER`) without splitting a surrogate pair.
 *
 * @example sanitizeAuditText('a\r\nseq=9', 256) // → 'a  seq=9'
 */
export function sanitizeAuditText(value: unknown, max: number): string {
  const text = String(value).replace(LONE_SURROGATE, '\ufffd').replace(UNSAFE_CHARACTERS, ' ');
  if (text.length <= max) return text;
  let cut = Math.max(0, max - TRUNCATION_MARKER.length);
  if (cut > 0 && /[\ud800-\udbff]/.test(text[cut - 1] ?? '')) cut -= 1;
  return text.slice(0, cut) + TRUNCATION_MARKER;
}

/**
 * `details` as JSON text of at most `maxBytes` UTF-8 bytes: strings (and keys) sanitized and bounded, non-finite
 * numbers as null, other non-JSON values as strings, at most 100 members per level and 8 levels. A result still over
 * the bound becomes `{"_truncated":true,"_preview":"<start of the JSON>"}`.
 */
export function boundedDetailsJson(details: Record<string, unknown> | undefined, maxBytes: number): string {
  const json = JSON.stringify(plainValue(details ?? {}, 0));
  if (Buffer.byteLength(json, 'utf8') <= maxBytes) return json;
  // A preview character takes at most 3 bytes once escaped in JSON, so this always fits.
  const preview = sanitizeAuditText(json, Math.floor((maxBytes - 64) / 3));
  return JSON.stringify({ _truncated: true, _preview: preview });
}

function plainValue(value: unknown, depth: number): unknown {
  if (value === null || typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'string') return sanitizeAuditText(value, DETAILS_MAX_STRING);
  if (typeof value !== 'object') return value === undefined ? null : sanitizeAuditText(String(value), DETAILS_MAX_STRING);
  if (depth >= DETAILS_MAX_DEPTH) return TRUNCATION_MARKER;
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return plainValue((value as { toJSON(): unknown }).toJSON(), depth + 1);
  if (Array.isArray(value)) return value.slice(0, DETAILS_MAX_MEMBERS).map((item) => plainValue(item, depth + 1));
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value).slice(0, DETAILS_MAX_MEMBERS)) {
    const member = (value as Record<string, unknown>)[key];
    if (member === undefined || typeof member === 'function') continue;
    Object.defineProperty(out, sanitizeAuditText(key, 128), { value: plainValue(member, depth + 1), enumerable: true, writable: true, configurable: true });
  }
  return out;
}
