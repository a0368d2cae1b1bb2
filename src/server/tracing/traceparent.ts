import type { TraceContext } from '../../core/index.js';

/**
 * W3C Trace Context (https://www.w3.org/TR/trace-context/) headers: `traceparent` parsed and formatted, `tracestate`
 * passed through unchanged. Anything invalid is ignored (the request starts a new trace), never refused.
 */

/** A parent context as it came from the wire: the ids plus the vendor `tracestate` to carry along unchanged. */
export interface W3cTraceContext extends TraceContext {
  /** The incoming `tracestate` header, when present and within bounds. */
  traceState?: string;
}

/** The longest `tracestate` carried along; the spec asks propagators to handle at least 512 characters. */
export const MAX_TRACESTATE_LENGTH = 512;
/** The spec's bound on list members; more makes the whole header invalid. */
const MAX_TRACESTATE_MEMBERS = 32;

const VERSION_00 = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;
/** A later version: the same four fields first, then optionally `-` and fields this version does not know. */
const VERSION_LATER = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;
const ZERO_TRACE = '0'.repeat(32);
const ZERO_SPAN = '0'.repeat(16);

/**
 * Reads a `traceparent` header: `00-<32 lowercase hex trace id>-<16 lowercase hex span id>-<2 hex flags>`.
 * Returns undefined for anything invalid (wrong lengths, uppercase, all-zero ids, version `ff`, several headers), so
 * the caller starts a new trace. A later version is read by its first four fields, as the spec asks.
 * @example parseTraceparent('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01')
 *   // → { traceId: '4bf9…4736', spanId: '00f0…02b7', sampled: true }
 */
export function parseTraceparent(header: string | string[] | undefined): TraceContext | undefined {
  if (typeof header !== 'string' || header.length > 512) return undefined;
  const value = header.trim();
  let traceId: string;
  let spanId: string;
  let flags: string;
  const v00 = VERSION_00.exec(value);
  if (v00 !== null) {
    [, traceId, spanId, flags] = v00;
  } else {
    const later = VERSION_LATER.exec(value);
    if (later === null || later[1] === '00' || later[1] === 'ff') return undefined;
    [, , traceId, spanId, flags] = later;
  }
  if (traceId === ZERO_TRACE || spanId === ZERO_SPAN) return undefined;
  return { traceId, spanId, sampled: (Number.parseInt(flags, 16) & 1) === 1 };
}

/**
 * Writes a version-00 `traceparent` for a context; only the sampled flag is set, as the spec asks of version 00.
 * @example formatTraceparent({ traceId: 'ab'.repeat(16), spanId: 'cd'.repeat(8), sampled: true }) // '00-abab…-cdcd…-01'
 */
export function formatTraceparent(context: TraceContext): string {
  return `00-${context.traceId}-${context.spanId}-${context.sampled ? '01' : '00'}`;
}

/**
 * The `tracestate` header to carry along unchanged, or undefined when absent, empty, longer than 512 characters,
 * with more than 32 members, or holding characters outside printable ASCII. Its content is not interpreted.
 * @example parseTracestate('congo=t61rcWkgMzE,rojo=00f067aa0ba902b7') // returned as is
 */
export function parseTracestate(header: string | string[] | undefined): string | undefined {
  const value = Array.isArray(header) ? header.join(',') : header;
  if (value === undefined || value.length > MAX_TRACESTATE_LENGTH) return undefined;
  const trimmed = value.trim();
  if (trimmed.length === 0 || !/^[\x20-\x7e]+$/.test(trimmed)) return undefined;
  if (trimmed.split(',').filter((member) => member.trim().length > 0).length > MAX_TRACESTATE_MEMBERS) return undefined;
  return trimmed;
}
